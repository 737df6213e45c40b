"""The audit trail: who did what, when, to which record and what changed.

Record changes (create, edit, delete, revert) are Wagtail log entries, whichever door
made them, each edit carrying its field diff (``kb.audit.changes``). What has no record to
hang on (logins, failed logins, exports, tokens) is an ``AuditEvent``. The API's
``/api/v1/audit/`` and the admin's audit trail read both.
"""
