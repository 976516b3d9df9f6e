"""The pages a frontend developer opens, driven in headless Chromium.

Served by a real HTTP server (pytest-django's live server, static files
included) with the test settings' CSP; the browser reaches nothing but loopback.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from rest_api.docs import SNAPSHOT_PATH
from tests.browser.console import keep_screenshot, problems
from tests.factories import UserFactory
from tests.rest.utils import login

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 20


def wait(driver, timeout: float = TIMEOUT) -> WebDriverWait:
    return WebDriverWait(driver, timeout)


def visible(driver, css: str):
    return wait(driver).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def test_graphiql_runs_a_query_with_a_typed_authorization_header_offline(
    page, live_server
):
    user = UserFactory(email="frontend@example.com")
    access = login(user).access
    page.get(f"{live_server.url}/graphql/#query={quote('{ me { email } }')}")

    headers = visible(
        page, "section[aria-label=Headers] .graphiql-editor:not(.hidden) .CodeMirror"
    )
    headers.click()
    page.switch_to.active_element.send_keys(
        '{"Authorization": "Bearer ' + access + '"}'
    )
    typed = page.execute_script("return arguments[0].CodeMirror.getValue()", headers)
    assert json.loads(typed) == {"Authorization": f"Bearer {access}"}
    page.find_element(By.CSS_SELECTOR, "button.graphiql-execute-button").click()

    result = ".result-window .CodeMirror"
    wait(page).until(
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, result), user.email)
    )
    answer = page.execute_script(
        "return document.querySelector(arguments[0]).CodeMirror.getValue()", result
    )
    assert json.loads(answer) == {"data": {"me": {"email": "frontend@example.com"}}}
    keep_screenshot(page, "graphiql", in_readme=True)
    assert problems(page) == []


def test_swagger_ui_authorizes_and_tries_get_me_with_status_200(page, live_server):
    user = UserFactory(email="swagger@example.com")
    access = login(user).access
    page.get(f"{live_server.url}/api/docs/")

    visible(page, "button.btn.authorize").click()
    visible(page, ".auth-container input[type=text]").send_keys(f"Bearer {access}")
    page.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper button.authorize").click()
    visible(page, ".auth-btn-wrapper button.btn-done").click()

    operation = "#operations-account-getMe"
    visible(page, f"{operation} .opblock-summary").click()
    visible(page, f"{operation} button.try-out__btn").click()
    visible(page, f"{operation} button.execute").click()

    status = f"{operation} .live-responses-table .response .response-col_status"
    wait(page).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, status), "200"))
    body = f"{operation} .live-responses-table .response-col_description pre"
    wait(page).until(
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, body), user.email)
    )
    page.execute_script(
        "arguments[0].scrollIntoView({block: 'center'})",
        page.find_element(By.CSS_SELECTOR, status),
    )
    keep_screenshot(page, "swagger-ui", in_readme=True)
    assert problems(page) == []


def test_redoc_renders_every_tag_of_the_schema(page, live_server):
    schema = json.loads(SNAPSHOT_PATH.read_text())
    tags = {
        tag
        for operations in schema["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for tag in operation.get("tags", [])
    }
    page.get(f"{live_server.url}/api/redoc/")

    visible(page, "[role=menu]")
    for tag in sorted(tags):
        visible(page, f'li[data-item-id="tag/{tag}"]')
    keep_screenshot(page, "redoc")
    assert tags
    assert problems(page) == []


def test_admin_login_page_loads_cleanly_under_the_strict_policy(page, live_server):
    page.get(f"{live_server.url}/admin/login/")

    visible(page, "form#login-form input[name=username]")
    keep_screenshot(page, "admin-login")
    assert problems(page) == []
