"""The core of the platform: users and roles, the hour ledger, the exchange of hours, the audit log.

`timebank` never imports `volunteers`; the coordination layer calls into this package's
public service functions instead.
"""
