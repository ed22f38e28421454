// 医保信用信息查询: a plain page over the public GraphQL API (GET /graphql?query=..., cacheable), no build step,
// no external resources. Routes live in the URL fragment: #/search/<text>, #/institution/<code>, #/lists/<kind>.
(function () {
  "use strict";

  var KIND = {
    REGISTRATION: "登记信息", ANNUAL_ASSESSMENT: "年度考核", AGREEMENT_EVENT: "协议信息", COMMENDATION: "表彰奖励",
    VERIFIED_WHISTLEBLOWING: "举报查实", OTHER_TRUST: "其他守信信息", RECOVERED_FUNDS: "追回医保基金",
    AUDIT_REDUCTION: "审核扣减", INTERVIEW: "约谈", AGREEMENT_SUSPENDED: "暂停医保协议",
    LATE_REPAYMENT: "未按时退回资金", FRAUD: "欺诈骗保", ADMINISTRATIVE_PENALTY: "行政处罚",
    REFERRED_CASE: "移送有关部门处理", STAFF_POINTS: "医保支付资格记分", OTHER_DISHONESTY: "其他失信信息",
    CREDIT_COMMITMENT: "信用承诺"
  };
  var CATEGORY = { BASIC: "基本信息", TRUST: "守信信息", DISHONESTY: "失信信息", COMMITMENT: "信用承诺" };
  var CLASS = {
    MEDICAL_INSTITUTION: "定点医疗机构", RETAIL_PHARMACY: "定点零售药店", THIRD_PARTY_AGENCY: "第三方机构",
    PHARMA_COMPANY: "医药企业", INSURED_EMPLOYER: "参保单位", OTHER_INSTITUTION: "其他机构"
  };
  var LISTS = { SERIOUS_DISHONESTY: "严重失信名单", POOR_GRADE: "信用等级差名单" };

  var SEARCH = "query($q: String!, $after: String) { publicInstitutions(search: $q, first: 20, after: $after) {" +
    " totalCount pageInfo { hasNextPage endCursor }" +
    " edges { node { name unifiedSocialCreditCode subjectClass region { fullName } grade { grade cycleYear } } } } }";
  var PAGE = "query($code: String!) { publicInstitution(code: $code) { name unifiedSocialCreditCode subjectClass" +
    " region { fullName } grade { grade cycleYear publishedAt publicUntil publisherRegion { name } } lists" +
    " records(first: 50) { totalCount edges { node { category kind title department decidedOn legalBasis" +
    " penaltyUntil publicUntil } } }" +
    " commitments(first: 5) { edges { node { title decidedOn clauses } } } } }";
  var LIST = "query($kind: PublicListKind!, $after: String) { publicLists(kind: $kind, first: 50, after: $after) {" +
    " totalCount pageInfo { hasNextPage endCursor } edges { node { __typename" +
    " ... on PublicRecord { kind title decidedOn penaltyUntil region { fullName }" +
    "   subject { __typename ... on PublicInstitution { name unifiedSocialCreditCode } ... on PublicIndividual { maskedName } } }" +
    " ... on PublicGrade { grade cycleYear region { fullName } institution { name unifiedSocialCreditCode } } } } } }";

  var view = document.getElementById("view");
  var status = document.getElementById("status");
  var input = document.getElementById("q");

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function day(value) { return value ? String(value).slice(0, 10) : "长期"; }
  function say(text, isError) { status.textContent = text || ""; status.className = isError ? "error" : ""; }
  function gradeBadge(g, big) {
    return g ? '<span class="grade ' + esc(g.grade) + (big ? " big" : "") + '">' + esc(g.grade) + "</span>" : "";
  }
  function instLink(name, code) {
    return '<a class="name" href="#/institution/' + encodeURIComponent(code) + '">' + esc(name) + "</a>";
  }

  function gql(query, variables) {
    var url = "/graphql?query=" + encodeURIComponent(query) +
      "&variables=" + encodeURIComponent(JSON.stringify(variables || {}));
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { throw new Error("服务器暂时无法应答，请稍后再试。"); });
    }).then(function (body) {
      if (body.errors && body.errors.length) { throw new Error(body.errors[0].message); }
      return body.data;
    }, function (err) {
      throw new Error(err && err.message && /[\u4e00-\u9fff]/.test(err.message) ? err.message : "网络连接失败，请稍后再试。");
    });
  }

  function search(text, after, append) {
    say("正在查询…");
    if (!append) { view.innerHTML = ""; }
    return gql(SEARCH, { q: text, after: after || null }).then(function (data) {
      var page = data.publicInstitutions;
      say(page.totalCount ? "找到 " + page.totalCount + " 家机构" : "没有找到与“" + text + "”相符的机构。");
      var html = page.edges.map(function (e) {
        var n = e.node;
        return '<div class="card result">' + instLink(n.name, n.unifiedSocialCreditCode) + " " + gradeBadge(n.grade) +
          '<div class="meta">' + esc(CLASS[n.subjectClass] || "") + " · " + esc(n.region.fullName) +
          " · 统一社会信用代码 " + esc(n.unifiedSocialCreditCode) +
          (n.grade ? " · " + esc(n.grade.cycleYear) + "年度信用等级 " + esc(n.grade.grade) : " · 暂无公开的信用等级") +
          "</div></div>";
      }).join("");
      var old = view.querySelector(".more");
      if (old) { old.remove(); }
      view.insertAdjacentHTML("beforeend", html);
      if (page.pageInfo.hasNextPage) {
        view.insertAdjacentHTML("beforeend", '<div class="more"><button type="button">显示更多</button></div>');
        view.querySelector(".more button").onclick = function () { search(text, page.pageInfo.endCursor, true); };
      }
    }).catch(function (err) { say(err.message, true); });
  }

  function institution(code) {
    say("正在加载…");
    view.innerHTML = "";
    return gql(PAGE, { code: code }).then(function (data) {
      var n = data.publicInstitution;
      if (!n) { say("没有找到该机构的公开信息。", true); return; }
      say("");
      var g = n.grade;
      var lists = n.lists.map(function (k) { return '<span class="tag">' + esc(LISTS[k]) + "</span>"; }).join("");
      var rows = n.records.edges.map(function (e) {
        var r = e.node;
        return "<tr><td>" + esc(CATEGORY[r.category]) + "</td><td>" + esc(KIND[r.kind] || r.kind) +
          (r.title ? "<br><span class=meta>" + esc(r.title) + "</span>" : "") + "</td><td>" +
          esc(r.decidedOn || "") + "</td><td>" + esc(day(r.publicUntil)) + "</td></tr>";
      }).join("");
      var clauses = n.commitments.edges.map(function (e) {
        return "<li>" + e.node.clauses.map(esc).join("；") + "</li>";
      }).join("");
      view.innerHTML =
        '<div class="card institution"><h2>' + esc(n.name) + "</h2>" +
        '<div class="meta">' + esc(CLASS[n.subjectClass] || "") + " · " + esc(n.region.fullName) +
        " · 统一社会信用代码 " + esc(n.unifiedSocialCreditCode) + "</div>" + (lists ? "<p>" + lists + "</p>" : "") + "</div>" +
        '<div class="card current-grade"><h3>信用等级</h3>' +
        (g ? gradeBadge(g, true) + ' <span class="meta">' + esc(g.cycleYear) + "年度信用评价结果，由" +
             esc(g.publisherRegion.name) + "医疗保障局公开，公开至" + esc(day(g.publicUntil)) + "</span>"
           : '<p class="meta">暂无公开的信用评价结果。</p>') + "</div>" +
        '<div class="card records"><h3>公开信息（' + n.records.totalCount + "条）</h3>" +
        (rows ? "<table><thead><tr><th>类别</th><th>事项</th><th>决定日期</th><th>公开至</th></tr></thead><tbody>" +
                rows + "</tbody></table>" : '<p class="meta">暂无公开信息。</p>') + "</div>" +
        (clauses ? '<div class="card"><h3>信用承诺</h3><ul>' + clauses + "</ul></div>" : "");
    }).catch(function (err) { say(err.message, true); });
  }

  function list(kind, after, append) {
    say("正在加载…");
    if (!append) { view.innerHTML = "<h2>" + esc(LISTS[kind] || "") + "</h2>"; }
    return gql(LIST, { kind: kind, after: after || null }).then(function (data) {
      var page = data.publicLists;
      say("共 " + page.totalCount + " 条");
      var html = page.edges.map(function (e) {
        var n = e.node;
        if (n.__typename === "PublicGrade") {
          return '<div class="card">' + instLink(n.institution.name, n.institution.unifiedSocialCreditCode) + " " +
            gradeBadge(n) + '<div class="meta">' + esc(n.region.fullName) + " · " + esc(n.cycleYear) + "年度</div></div>";
        }
        var who = n.subject.__typename === "PublicInstitution"
          ? instLink(n.subject.name, n.subject.unifiedSocialCreditCode) : esc(n.subject.maskedName);
        return '<div class="card">' + who + '<div class="meta">' + esc(KIND[n.kind] || n.kind) +
          (n.title ? "：" + esc(n.title) : "") + " · " + esc(n.region.fullName) + " · 决定日期 " + esc(n.decidedOn || "") +
          (n.penaltyUntil ? " · 惩戒期至 " + esc(n.penaltyUntil) : "") + "</div></div>";
      }).join("");
      var old = view.querySelector(".more");
      if (old) { old.remove(); }
      view.insertAdjacentHTML("beforeend", html || '<p class="meta">名单暂无内容。</p>');
      if (page.pageInfo.hasNextPage) {
        view.insertAdjacentHTML("beforeend", '<div class="more"><button type="button">显示更多</button></div>');
        view.querySelector(".more button").onclick = function () { list(kind, page.pageInfo.endCursor, true); };
      }
    }).catch(function (err) { say(err.message, true); });
  }

  function route() {
    var parts = window.location.hash.replace(/^#\/?/, "").split("/");
    var arg = decodeURIComponent(parts.slice(1).join("/"));
    if (parts[0] === "search") { input.value = arg; return search(arg); }
    if (parts[0] === "institution" && arg) { return institution(arg); }
    if (parts[0] === "lists" && LISTS[arg]) { return list(arg); }
    view.innerHTML = '<div class="card"><p>输入机构名称中的两个以上汉字（可有错别字）或统一社会信用代码，查询定点医药机构的' +
      "信用等级和公开信息。</p></div>";
    say("");
  }

  document.getElementById("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    var target = "#/search/" + encodeURIComponent(text);
    if (window.location.hash === target) { route(); } else { window.location.hash = target; }
  });
  window.addEventListener("hashchange", route);
  route();
})();
