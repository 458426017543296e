"""The board dashboard: one context builder (``context.board_context``) for the page, the share link,
the PDF report and the weekly digest."""
