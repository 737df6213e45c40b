"""The audit trail in the API: entries (log entries and audit events) and reverts."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class AuditQuerySerializer(serializers.Serializer):
    object = serializers.CharField(
        required=False, max_length=300,
        help_text="The record whose trail to list: app_label.model:id or "
                  "app_label.model:slug (e.g. incidents.campaign:alibaba-qwen). Without "
                  "it, the whole trail (needs the kb_audit.view_auditevent permission).")
    action = serializers.CharField(required=False, max_length=64,
                                   help_text="Only entries with this action.")


class AuditChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    revertible = serializers.BooleanField()


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.CharField(help_text="log-<n> for a change, event-<n> for an event.")
    kind = serializers.ChoiceField(choices=["change", "event"])
    timestamp = serializers.DateTimeField()
    user = serializers.CharField(help_text="Username; empty for the system.")
    action = serializers.CharField()
    message = serializers.CharField()
    object = serializers.CharField()
    object_label = serializers.CharField()
    changes = AuditChangeSerializer(many=True)
    details = serializers.DictField(
        source="data", child=serializers.JSONField(),
        help_text="A review decision's from/to/note, the entry a revert undid, an "
                  "export's format …")
    revertible = serializers.BooleanField()
    revert_url = serializers.SerializerMethodField()

    def get_revert_url(self, entry: Any) -> str | None:
        if not entry.revertible or entry.log_entry_id is None:
            return None
        return f"/api/v1/audit/{entry.log_entry_id}/revert/"


class RevertResultSerializer(serializers.Serializer):
    object = serializers.CharField()
    reverted = serializers.ListField(child=serializers.CharField())
    skipped = serializers.DictField(child=serializers.CharField())
    entry = AuditEntrySerializer(help_text="The log entry of the revert itself.")
