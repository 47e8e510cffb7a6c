from salestrack.web.todo import todo

board = board_column = board_move = todo
