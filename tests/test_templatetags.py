"""The template tags and filters: the list pages' <select> built in Python (escaped, with the
chosen values selected), counts and ages as the pages write them."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.safestring import mark_safe

from salestrack.web.templatetags.salestrack import age, number, select


class Filters(forms.Form):
    owner = forms.ChoiceField(
        choices=[("", "Anyone"), ("1", 'Tom "T" <Tommy> & Co'), ("2", mark_safe("<b>Bo</b>"))],
        required=False,
    )
    status = forms.MultipleChoiceField(choices=[("new", "New"), ("won", "Won")], required=False)


def test_a_select_escapes_labels_and_marks_the_chosen_value():
    form = Filters(data={"owner": "1"})
    assert select(form["owner"]) == (
        '<select name="owner" id="id_owner">'
        '<option value="">Anyone</option>'
        '<option value="1" selected>Tom &quot;T&quot; &lt;Tommy&gt; &amp; Co</option>'
        '<option value="2"><b>Bo</b></option>'
        "</select>"
    )


def test_a_multiple_select_marks_every_chosen_value():
    form = Filters(data={"status": ["new", "won"]})
    html = select(form["status"])
    assert html.startswith('<select name="status" id="id_status" multiple>')
    assert '<option value="new" selected>New</option>' in html
    assert '<option value="won" selected>Won</option>' in html
    nothing = select(Filters(data={})["status"])
    assert " selected" not in nothing


def test_counts_are_written_with_thousands_separators():
    assert [number(300000), number("20000"), number(7), number(None)] == [
        "300,000",
        "20,000",
        "7",
        "",
    ]


def test_an_age_is_said_in_its_largest_unit():
    now = timezone.now()
    assert age(now - datetime.timedelta(hours=11, minutes=19)) == "11\xa0hours"
    assert age(now - datetime.timedelta(days=95)) == "3\xa0months"
    assert age(None) == ""
