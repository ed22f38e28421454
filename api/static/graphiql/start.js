// Start GraphiQL against this server's /graphql with example operations preloaded. Anonymous callers may not
// introspect the schema (the documentation pane then stays empty, and the results pane says how to sign in);
// add a token under "Headers" for it: {"Authorization": "Bearer <./dev token 340100-officer>"}.
(function () {
  "use strict";
  var EXAMPLES = [
    "# 医保信用 GraphQL：下面的示例无需令牌（no token），选择一个操作名后点击运行。",
    "# 匿名调用不能进行内省（introspection）；在 Headers 中加入令牌即可看到文档：",
    '# {"Authorization": "Bearer <./dev token 340100-officer 的输出>"}',
    "",
    "# 信用查询：按名称（可有错别字）或统一社会信用代码查找机构",
    "query SearchInstitutions {",
    '  publicInstitutions(search: "瑶海区益康大药店", first: 5) {',
    "    totalCount",
    "    edges { rank node { name unifiedSocialCreditCode region { name } grade { grade cycleYear } } }",
    "  }",
    "}",
    "",
    "# 机构公开页面：一个当前等级、公开记录、信用承诺和所在名单",
    "query InstitutionPage {",
    '  publicInstitutions(search: "益康大药房", first: 1) {',
    "    edges { node { name grade { grade cycleYear publishedAt }",
    "      records(first: 20) { totalCount edges { node { category kind title decidedOn publicUntil } } }",
    "      commitments { edges { node { clauses } } }",
    "      lists } }",
    "  }",
    "}",
    "",
    "# 严重失信名单",
    "query SeriousDishonesty {",
    "  publicLists(kind: SERIOUS_DISHONESTY, first: 20) {",
    "    totalCount",
    "    edges { node { ... on PublicRecord { kind decidedOn subject { ... on PublicInstitution { name } } } } }",
    "  }",
    "}",
    "",
    "# 信用等级差名单（合肥市）",
    "query PoorGrades {",
    '  publicLists(kind: POOR_GRADE, regionCode: "340100", first: 20) {',
    "    totalCount edges { node { ... on PublicGrade { grade cycleYear institution { name } } } }",
    "  }",
    "}",
    ""
  ].join("\n");
  // Without a token the server refuses introspection (on purpose: api/protection.py). Rather than send a query
  // bound to be refused and show its error, GraphiQL is told here, before anything is sent, how to sign in;
  // with an Authorization header the schema is fetched as usual (the sidebar's "Re-fetch GraphQL schema").
  var SIGN_IN_HINT = [
    "未登录：文档（Docs）和自动补全需要令牌；下方的示例查询无需令牌，可以直接运行。",
    "添加令牌：打开编辑区下方的 Headers 标签，填入",
    '{"Authorization": "Bearer <令牌>"}；',
    "令牌由管理员用 yibao token 生成（本地演示：./dev token 340100-officer）。",
    "然后点击左侧栏的“重新获取 schema”按钮（Re-fetch GraphQL schema，或按 Shift+Ctrl+R）。"
  ].join(" ");  // one line: the results pane shows the message as a JSON string, where a newline reads "\n"
  var toServer = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  function signedIn(headers) {
    return Object.keys(headers || {}).some(function (name) {
      return name.toLowerCase() === "authorization" && String(headers[name]).trim() !== "";
    });
  }
  function fetcher(params, opts) {
    if (params && params.operationName === "IntrospectionQuery" && !signedIn(opts && opts.headers)) {
      // "data" present: GraphiQL shows this in the results pane instead of retrying without subscriptions.
      return Promise.resolve({ data: null, errors: [{ message: SIGN_IN_HINT,
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }] });
    }
    return toServer(params, opts);
  }
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: EXAMPLES,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false
  }));
})();
