from django.urls import path

from salestrack.activities import views

urlpatterns = [
    path("tasks/", views.task_list, name="task-list"),
    path("activities/log/", views.activity_log, name="activity-log"),
    path("activities/<int:pk>/done/", views.task_done, name="task-done"),
]
