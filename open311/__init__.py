"""Open311 GeoReport v2: services are the categories that take reports and complaints, service
requests are the published cases (read only through ``publishing.queries``), and partners with
the ``cases:create`` scope file new ones through the same intake as ``POST /cases``.
``formats`` renders XML and JSON as the spec shows them; ``georeport`` is the service."""
