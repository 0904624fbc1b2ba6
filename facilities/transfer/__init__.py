"""Import and export of the registry as spreadsheets (CSV and XLSX)."""
