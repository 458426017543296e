"""Imports of external feedback from CSV and XLSX files: parsing, column mapping, validation, running."""
