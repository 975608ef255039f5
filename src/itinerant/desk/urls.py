"""URLs of the desk (French paths)."""

import importlib.util
from pathlib import Path

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from django.views.static import serve

from itinerant.desk.plans import views
from itinerant.desk.settings import BASE_DIR

# The reports' folder found without importing it (it loads folium): Leaflet lives there.
_REPORTS_SPEC = importlib.util.find_spec("itinerant.reports")
assert _REPORTS_SPEC is not None and _REPORTS_SPEC.submodule_search_locations is not None
REPORTS_STATIC = Path(list(_REPORTS_SPEC.submodule_search_locations)[0]) / "static"

admin.site.site_header = "itinerant — administration du bureau"
admin.site.site_title = "itinerant"

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(template_name="accounts/login.html",
                                                    redirect_authenticated_user=True), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password.html", success_url="/"), name="password_change"),
    path("", views.home, name="home"),
    path("import/", views.import_page, name="import"),
    path("planifier/", views.plan_new, name="plan_new"),
    path("semaine/", views.week, name="week"),
    path("visite/<str:visit_id>/", views.visit, name="visit"),
    path("visite/<str:visit_id>/deplacer/", views.visit_move, name="visit_move"),
    path("visite/<str:visit_id>/verrou/", views.visit_lock, name="visit_lock"),
    path("visite/<str:visit_id>/statut/", views.visit_status, name="visit_status"),
    path("tournee/<str:vehicle_id>/verrou/", views.tour_lock, name="tour_lock"),
    path("urgence/", views.urgent, name="urgent"),
    path("replanifier/", views.replan, name="replan"),
    path("travail/<int:job_id>/", views.job, name="job"),
    path("changements/<int:version_id>/", views.changes, name="changes"),
    path("changements/<int:version_id>/decision/", views.decide, name="decide"),
    path("versions/", views.versions, name="versions"),
    path("versions/<int:version_id>/restaurer/", views.restore, name="restore"),
    path("imprimer/", views.print_page, name="print"),
    path("imprimer/jour/<str:day>.pdf", views.print_day, name="print_day"),
    path("imprimer/conseiller/<str:advisor_id>.pdf", views.print_advisor, name="print_advisor"),
    path("aujourdhui/", views.today, name="today"),
    path("bureau/", views.board, name="board"),
    path("journal/", views.journal, name="journal"),
    path("bus-antennes/", views.outputs, name="outputs"),
    path("sorties/<int:job_id>/<path:path>", views.output_file, name="output_file"),
    path("admin/", admin.site.urls),
    # Vendored assets (htmx, CSS) straight from the package: no CDN, no collectstatic.
    # Leaflet, as vendored by the reports (one copy in the project).
    re_path(r"^static/leaflet/(?P<path>leaflet\.(js|css))$", login_not_required(serve),
            {"document_root": REPORTS_STATIC}),
    re_path(r"^static/(?P<path>.*)$", login_not_required(serve),
            {"document_root": BASE_DIR / "static"}),
]
