// Start GraphiQL against this server's /graphql with example operations preloaded. Anonymous callers may not
// introspect the schema (the documentation pane then stays empty); add a token under "Headers" for it:
// {"Authorization": "Bearer <./dev token 340100-officer>"}.
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
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: EXAMPLES,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false
  }));
})();
