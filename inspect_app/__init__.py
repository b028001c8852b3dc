"""一业一证 综合监管平台: the Flask app lives in inspect_app.app; this package stays import-light."""
