import pytest

from salestrack.opportunities.models import Pipeline


@pytest.mark.django_db
def test_the_default_pipeline_has_the_stages_of_the_product_brief():
    pipeline = Pipeline.objects.get(is_default=True)
    stages = [(s.name, s.probability, s.is_won, s.is_lost) for s in pipeline.stages.all()]
    assert stages == [
        ("Prospecting", 10, False, False),
        ("Qualification", 20, False, False),
        ("Needs analysis", 40, False, False),
        ("Proposal", 60, False, False),
        ("Negotiation", 80, False, False),
        ("Closed won", 100, True, False),
        ("Closed lost", 0, False, True),
    ]


@pytest.mark.django_db
def test_health_check_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_home_sends_anonymous_users_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


@pytest.mark.django_db
def test_the_openapi_schema_is_served(client):
    response = client.get("/api/v1/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_api_docs_page_uses_the_locally_served_swagger_ui(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in response.content.decode()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
