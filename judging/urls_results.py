# Owned by the results work: results, awards, notice, exports, statistics, public notice page.
urlpatterns = []
