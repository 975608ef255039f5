"""Users, roles (coordinator, advisor, board member) and the audit trail."""
