app_name = "konfig"
urlpatterns: list = []
