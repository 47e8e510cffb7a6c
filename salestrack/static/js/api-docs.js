// Starts Swagger UI on the API docs page: drf-spectacular's swagger_ui.js, moved out of the page
// (the Content-Security-Policy refuses inline scripts), reading the view's values from
// #swagger-ui's data attributes instead of template variables.
(function () {
  "use strict";

  const root = document.getElementById("swagger-ui");
  const swaggerSettings = JSON.parse(root.dataset.settings || "{}");
  const oauth2Config = JSON.parse(root.dataset.oauth2Config || "{}");
  const schemaAuthNames = JSON.parse(root.dataset.authNames || "[]");
  let schemaAuthFailed = false;
  let ui = null;
  const plugins = [];

  // Signing in or out in "Authorize" loads the schema again, with the new credentials.
  function reloadSchema(original) {
    return function () {
      schemaAuthFailed = false;
      setTimeout(function () { ui.specActions.download(); });
      return original.apply(null, arguments);
    };
  }
  if (schemaAuthNames.length > 0) {
    plugins.push(function () {
      return {
        statePlugins: {
          auth: {
            wrapActions: { authorizeOauth2: reloadSchema, authorize: reloadSchema, logout: reloadSchema },
          },
        },
      };
    });
  }

  function isSchemaUrl(url) {
    return ui !== null && url === new URL(ui.getConfigs().url, document.baseURI).href;
  }

  function injectAuthCredentials(request) {
    let authorized;
    if (ui !== null) {
      const state = ui.getState().get("auth").get("authorized");
      if (state !== undefined && Object.keys(state.toJS()).length !== 0) authorized = state.toJS();
    } else if (![undefined, "{}"].includes(localStorage.authorized)) {
      authorized = JSON.parse(localStorage.authorized);
    }
    if (authorized === undefined) return;
    for (const name of schemaAuthNames) {
      const auth = authorized[name];
      if (auth === undefined || auth.schema === undefined) continue;
      const schema = auth.schema;
      if (schema.type === "http" && schema.scheme === "bearer") {
        request.headers.Authorization = "Bearer " + auth.value;
      } else if (schema.type === "http" && schema.scheme === "basic") {
        request.headers.Authorization = "Basic " + btoa(auth.value.username + ":" + auth.value.password);
      } else if (schema.type === "apiKey" && schema.in === "header") {
        request.headers[schema.name] = auth.value;
      } else if (schema.type === "oauth2" && auth.token.token_type === "Bearer") {
        request.headers.Authorization = "Bearer " + auth.token.access_token;
      } else {
        continue;
      }
      return;
    }
  }

  function requestInterceptor(request) {
    if (request.loadSpec && schemaAuthNames.length > 0 && !schemaAuthFailed) {
      try {
        injectAuthCredentials(request);
      } catch (error) {
        console.error("schema auth injection failed with error: ", error);
      }
    }
    // Only requests that change something carry the CSRF token, as in drf-spectacular.
    if (!["GET", undefined].includes(request.method) && request.credentials === "same-origin") {
      request.headers[root.dataset.csrfHeader] = root.dataset.csrfToken;
    }
    return request;
  }

  function responseInterceptor(response) {
    if (!response.ok && isSchemaUrl(response.url)) {
      console.warn("schema request received '" + response.status + "'. disabling credentials for schema till logout.");
      if (!schemaAuthFailed) {
        // Only once, so that a schema that keeps failing does not loop.
        schemaAuthFailed = true;
        setTimeout(function () { ui.specActions.download(); });
      }
    }
    return response;
  }

  ui = SwaggerUIBundle(Object.assign({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    plugins: plugins,
    layout: "BaseLayout",
    requestInterceptor: requestInterceptor,
    responseInterceptor: responseInterceptor,
  }, swaggerSettings, {
    // No badge image from validator.swagger.io: img-src is our own origin only.
    validatorUrl: null,
  }));
  if (Object.keys(oauth2Config).length > 0) ui.initOAuth(oauth2Config);
})();
