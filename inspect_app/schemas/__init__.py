"""Response schemas shared by the API and the services that store answers (the offline copy)."""
