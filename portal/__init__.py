"""The citizen pages (``/h5/``) and the kiosk pages (``/kiosk/``): server-rendered Jinja2 with a
little vanilla JS, calling the same services as the API (never HTTP to the app itself)."""
