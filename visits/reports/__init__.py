"""Reads of findings and recommendations scoped to the mandate, the national figures, the visit report and exports."""
