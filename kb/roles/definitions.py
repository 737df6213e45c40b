"""The roles: Django groups with model permissions (and, for briefings, Wagtail page
permissions on the briefing index). ``ROLES`` maps each role's group name to the
permissions it holds, as ``"app_label.codename"``; ``PAGE_PERMISSIONS`` the page
permissions (``wagtailcore.Page`` codenames) a role holds on the briefing index.

* **Viewer** reads the site and the API (reads are open to any signed-in user; the view
  permissions say so explicitly). No Wagtail admin.
* **Analyst** curates the record in the Wagtail admin and the API: incidents,
  campaigns, actors, events, relationships, sources, coverage, claims (and so the
  review queue, ``change_claim``, and the ingest form, ``add_claim``), accounts,
  clusters, exchange volumes, capabilities, techniques, figure citations, fact alerts.
  Not letters, briefings, users, clearances or tokens.
* **Policy editor** drafts letters (add, change, delete, publish, lock) and briefings
  (add, change, publish below the briefing index), and reads what they cite. No claim
  review, no editing of the record, no users, clearances or tokens.
* **Administrator** manages users, groups, clearances and API tokens, and reads the
  whole audit trail; not the domain.

Superusers keep every permission. The groups are made by the migration
``kb_roles.0001_roles`` (and remade when missing after a flush, ``kb.roles.setup``).
"""

from __future__ import annotations

VIEWER = "Viewer"
ANALYST = "Analyst"
POLICY_EDITOR = "Policy editor"
ADMINISTRATOR = "Administrator"

ADMIN_ACCESS = "wagtailadmin.access_admin"

#: The records of the domain an analyst curates (``incidents`` model names).
RECORD_MODELS = (
    "incident", "campaign", "actor", "event", "relationship", "source", "coverage",
    "claim", "account", "accountcluster", "exchangevolume", "capability", "technique",
    "figurecitation", "factalert",
)
CRUD = ("add", "change", "delete", "view")


def _perms(app_label: str, actions: tuple[str, ...], models: tuple[str, ...]) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


ROLES: dict[str, list[str]] = {
    VIEWER: _perms("incidents", ("view",), (*RECORD_MODELS, "letter")),
    ANALYST: [ADMIN_ACCESS, *_perms("incidents", CRUD, RECORD_MODELS)],
    POLICY_EDITOR: [
        ADMIN_ACCESS,
        *_perms("incidents", (*CRUD, "publish", "lock", "unlock"), ("letter",)),
        *_perms("incidents", ("view",), RECORD_MODELS),
    ],
    ADMINISTRATOR: [
        ADMIN_ACCESS,
        *_perms("auth", CRUD, ("user", "group")),
        *_perms("incidents", CRUD, ("clearance",)),
        *_perms("kb_api", ("view", "change", "delete"), ("apitoken",)),
        # The whole audit trail (a record's own trail is open to whoever sees it).
        "kb_audit.view_auditevent",
    ],
}

#: Wagtail page permissions on the briefing index (and so on every briefing below it).
PAGE_PERMISSIONS: dict[str, list[str]] = {
    POLICY_EDITOR: ["add_page", "change_page", "publish_page"],
}


def role_named(name: str) -> str | None:
    """The role called ``name``: its group name, in any case, with ``-`` or ``_`` for
    spaces (``policy-editor``); None for no role."""
    wanted = name.strip().lower().replace("-", " ").replace("_", " ")
    return next((role for role in ROLES if role.lower() == wanted), None)
