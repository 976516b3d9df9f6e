/*
 * Start GraphiQL on /graphql/ (static, so the page's CSP allows no inline script).
 *
 * Settings come from the page's JSON data block. Requests go to this page's own
 * path with no cookie (credentials: "omit"): the API authenticates by the
 * Authorization header only, typed into GraphiQL's header editor.
 * The query, variables and operation name are kept in the URL's fragment, as
 * graphene-django's page does, so a link can share a query.
 */
(function () {
  "use strict";

  var settings = JSON.parse(
    document.getElementById("graphiql-settings").textContent
  );

  function readFragment() {
    var parameters = {};
    window.location.hash
      .slice(1)
      .split("&")
      .forEach(function (entry) {
        var eq = entry.indexOf("=");
        if (eq > 0) {
          parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(
            entry.slice(eq + 1)
          );
        }
      });
    return parameters;
  }

  var parameters = readFragment();

  function writeFragment() {
    var fragment = Object.keys(parameters)
      .filter(function (key) {
        return parameters[key];
      })
      .map(function (key) {
        return encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]);
      })
      .join("&");
    window.history.replaceState(
      null,
      "",
      fragment ? "#" + fragment : window.location.pathname + window.location.search
    );
  }

  function remember(key) {
    return function (value) {
      parameters[key] = value;
      writeFragment();
    };
  }

  var fetcher = window.GraphiQL.createFetcher({
    url: window.location.pathname,
    fetch: function (url, init) {
      return window.fetch(url, Object.assign({}, init, { credentials: "omit" }));
    },
  });

  function GraphiQLWithExplorer() {
    var state = window.React.useState(parameters.query);
    var query = state[0];
    var setQuery = state[1];

    function onEditQuery(value) {
      setQuery(value);
      remember("query")(value);
    }

    var explorer = window.GraphiQLPluginExplorer.useExplorerPlugin({
      query: query,
      onEdit: onEditQuery,
    });

    return window.React.createElement(window.GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      query: query,
      variables: parameters.variables,
      operationName: parameters.operationName,
      onEditQuery: onEditQuery,
      onEditVariables: remember("variables"),
      onEditOperationName: remember("operationName"),
      defaultEditorToolsVisibility: settings.headerEditorEnabled ? "headers" : true,
      isHeadersEditorEnabled: settings.headerEditorEnabled,
      shouldPersistHeaders: settings.shouldPersistHeaders,
      inputValueDeprecation: settings.inputValueDeprecation,
    });
  }

  window.ReactDOM.render(
    window.React.createElement(GraphiQLWithExplorer),
    document.getElementById("graphiql")
  );
})();
