from salestrack.web.todo import todo

account_list = account_new = account_bulk = account_detail = account_edit = todo
contact_list = contact_new = contact_bulk = contact_detail = contact_edit = todo
