"""The coordinator's desk: a local Django web app around the library (issue 15).

A shell only: every plan, check and report goes through :mod:`itinerant.pipeline` and
the library's public functions (see :mod:`itinerant.desk.services`). Apps:
``accounts`` (users, roles, audit trail) and ``plans`` (imports, plan versions, jobs,
pages). Served by waitress (:mod:`itinerant.desk.server`).
"""
