"""The Qt front end: windows, views, translation loading. The only package allowed to import Qt.

Modules stay small and single-purpose (napari's `_qt` layout): `app` boots QApplication + qasync,
`main_window` owns the listening session, `join_view`/`room_view` are plain widgets that emit intents,
`settings` and `i18n` wrap QSettings and QTranslator.
"""
