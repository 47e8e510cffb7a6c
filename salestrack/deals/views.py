from salestrack.web.todo import todo

opportunity_list = opportunity_new = opportunity_bulk = opportunity_detail = todo
opportunity_edit = todo
