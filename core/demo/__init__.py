"""The demo organisation that `make run` seeds: data tables, generators and the seeding steps."""
