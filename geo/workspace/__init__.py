"""What users bring and change: the workspace database, imported layers, edits, the audit trail and accounts."""
