from django.urls import path

from salestrack.deals import board, views

urlpatterns = [
    path("opportunities/", views.opportunity_list, name="opportunity-list"),
    path("opportunities/new/", views.opportunity_new, name="opportunity-new"),
    path("opportunities/bulk/", views.opportunity_bulk, name="opportunity-bulk"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity-detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity-edit"),
    path("opportunities/<int:pk>/stage/", views.opportunity_stage, name="opportunity-stage"),
    path("opportunities/<int:pk>/snooze/", views.opportunity_snooze, name="opportunity-snooze"),
    path("board/", board.board, name="board"),
    path("board/column/<int:stage_id>/", board.board_column, name="board-column"),
    path("board/move/<int:pk>/", board.board_move, name="board-move"),
]
