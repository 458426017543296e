"""Action alerts: rules evaluated on every finished response, and the deliveries they cause."""
