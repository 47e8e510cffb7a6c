from salestrack.web.todo import todo

settings_home = settings_users = todo
