from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from incidents.wagtail_admin.access import VisibleLogEntriesView
from kb.briefings.views import briefing_pdf
from kb.briefings.wagtail_hooks import VisiblePageTypesUsageReportView

urlpatterns = [
    # Wagtail's site history, without entries of records the user may not see: mounted
    # on the report's own paths, ahead of the admin's URLs.
    path("admin/reports/site-history/",
         require_admin_access(VisibleLogEntriesView.as_view()), name="kb-site-history"),
    path("admin/reports/site-history/results/",
         require_admin_access(VisibleLogEntriesView.as_view(results_only=True)),
         name="kb-site-history-results"),
    # Wagtail's page types usage report, without counts or titles of hidden briefings.
    path("admin/reports/page-types-usage/",
         require_admin_access(VisiblePageTypesUsageReportView.as_view()),
         name="kb-page-types-usage"),
    path("admin/reports/page-types-usage/results/",
         require_admin_access(VisiblePageTypesUsageReportView.as_view(results_only=True)),
         name="kb-page-types-usage-results"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("kb.api.urls")),
    path("search/", include("kb.search.urls")),
    path("", include("incidents.urls")),
    # A briefing's PDF, at <briefing url>briefing.pdf (Wagtail's own routes end in "/").
    re_path(r"^(?P<path>(?:[\w\-]+/)+)briefing\.pdf$", briefing_pdf, name="briefing-pdf"),
    # Wagtail pages (the briefing index at /briefings/ and its briefings) come last:
    # they catch every other path.
    path("", include(wagtail_urls)),
]

# The site's own error pages, in its layout (incidents/site/errors.py).
handler404 = "incidents.site.errors.page_not_found"
handler403 = "incidents.site.errors.permission_denied"
handler500 = "incidents.site.errors.server_error"
