//! The API reference's prose in Chinese: the OpenAPI document (written once, in English, from the
//! code's doc comments) says each operation, parameter and answer in English; the zh-CN page
//! shows these words instead. Names (paths, fields, codes, headers) stay as the wire has them.
//! A unit test holds every operation-level text of the document to an entry here; the schemas'
//! field notes stay in English, as Partner Center's own reference gives them.

/// English text of the document → its Chinese.
const ZH: &[(&str, &str)] = &[
    (
        "Partner Center-compatible REST API of the reseller portal for Partner Center operated by 21Vianet: the reseller's customers, their subscriptions, license and status changes, and upgrades, through the same rules as the portal's pages. Authenticate with `Authorization: Bearer <token>` (a token from the portal's API access page). Send `MS-RequestId` to make a change idempotent.",
        "由世纪互联运营的合作伙伴中心的经销商门户提供的、与合作伙伴中心兼容的 REST API：经销商的客户及其订阅、许可证数量和状态的更改以及升级，遵循与门户页面相同的规则。使用 `Authorization: Bearer <token>` 进行身份验证（令牌来自门户的“API 访问”页面）。发送 `MS-RequestId` 可使更改具有幂等性。",
    ),
    ("A page of the reseller's customers.", "经销商客户的一页。"),
    (
        "In the customer list's order (company name, Chinese by pinyin). `links.next` is there when\nmore follow: send its URI with its `MS-ContinuationToken` header.",
        "按客户列表的顺序（公司名称，中文按拼音）。还有更多时会返回 `links.next`：请带上其 `MS-ContinuationToken` 标头请求其 URI。",
    ),
    (
        "Customers per page, 1 to 500 (default 200)",
        "每页的客户数，1 到 500（默认 200）",
    ),
    (
        "Partner Center's filter, URL-encoded JSON: {\"Field\":\"CompanyName\" or \"Domain\",\"Value\":\"…\",\"Operator\":\"starts_with\"} (case-insensitive)",
        "合作伙伴中心的筛选条件，URL 编码的 JSON：{\"Field\":\"CompanyName\" 或 \"Domain\",\"Value\":\"…\",\"Operator\":\"starts_with\"}（不区分大小写）",
    ),
    (
        "Next, with the MS-ContinuationToken header of links.next",
        "下一页，使用 links.next 的 MS-ContinuationToken 标头",
    ),
    (
        "Where the next page starts, from links.next",
        "下一页的起点，取自 links.next",
    ),
    ("A page of customers", "一页客户"),
    (
        "Invalid size, filter or token (800002)",
        "页大小、筛选条件或令牌无效（800002）",
    ),
    ("No or bad token (800001)", "缺少令牌或令牌无效（800001）"),
    ("Too many requests", "请求过于频繁"),
    (
        "Access denied (2032): the role may not make this call, or must set up two-step sign-in first",
        "拒绝访问（2032）：该角色不能执行此调用，或须先设置两步登录",
    ),
    ("One of the reseller's customers.", "经销商的一个客户。"),
    ("The customer's id", "客户的 ID"),
    ("The customer", "客户"),
    (
        "Unknown, or another reseller's (20003)",
        "不存在，或属于其他经销商（20003）",
    ),
    (
        "The customer's subscriptions sold by this reseller.",
        "此经销商售出的该客户的订阅。",
    ),
    (
        "Newest first; cancelled ones included, as `deleted`.",
        "最新的在前；包含已取消的订阅，状态为 `deleted`。",
    ),
    (
        "Language of the answer's words (offer names, explanations): en-US (default) or zh-CN",
        "响应中文字（产品/服务名称、说明）的语言：en-US（默认）或 zh-CN",
    ),
    ("The customer's subscriptions", "客户的订阅"),
    ("One subscription.", "一个订阅。"),
    (
        "Its etag is also in the `ETag` header.",
        "其 etag 也在 `ETag` 标头中。",
    ),
    ("The subscription's id", "订阅的 ID"),
    ("The subscription", "订阅"),
    (
        "Changes a subscription's licenses, status or name.",
        "更改订阅的许可证数量、状态或名称。",
    ),
    (
        "Its licenses (`quantity`), its status (`suspended` / `active`) or its name (`friendlyName`); fields equal to the subscription's are no change. Everything in one\ntransaction, each change in the activity log. With `If-Match` (or the body's\n`attributes.etag`) the change is made only to the subscription as read: 412 otherwise. With\n`MS-RequestId`, the same request again answers as the first time and changes nothing twice.",
        "许可证数量（`quantity`）、状态（`suspended` / `active`）或名称（`friendlyName`）；与订阅现有值相同的字段不算更改。全部在一个事务中完成，每项更改都记入活动日志。带上 `If-Match`（或正文的 `attributes.etag`）时，只有订阅仍与读取时相同才会更改，否则返回 412。带上 `MS-RequestId` 时，同一请求再次发送会得到与第一次相同的响应，不会重复更改。",
    ),
    (
        "The subscription's etag as read: the change is made only to the subscription as read",
        "读取时订阅的 etag：只有订阅仍与读取时相同才会更改",
    ),
    (
        "A GUID that makes the call idempotent: the same value again returns the first answer\n(anything but a GUID: 400, 800002)",
        "使调用具有幂等性的 GUID：再次发送相同的值会返回第一次的响应（不是 GUID 时：400，800002）",
    ),
    ("The subscription after the change", "更改后的订阅"),
    (
        "Above the reseller's threshold: held for approval (Location: the request)",
        "超过经销商的阈值：保留以待审批（Location：该申请）",
    ),
    (
        "A request for approval: where it stands.",
        "审批申请：其当前状态。",
    ),
    (
        "A change above the reseller's threshold answers 202 with this address; the request is\ndecided on the portal's Approvals page by a global admin or an admin agent other than the one\nwho asked. Its requester's tokens, and an approver's, may read it.",
        "超过经销商阈值的更改以 202 应答并返回此地址；该申请由申请人以外的全局管理员或管理员代理在门户的“审批”页面上决定。申请人的令牌和审批人的令牌可以读取它。",
    ),
    ("The request's id", "申请的 ID"),
    ("The request", "该申请"),
    (
        "Invalid input (800002), quantity out of range (2002), suspended (800091) or cancelled (2011)",
        "输入无效（800002）、数量超出范围（2002）、已暂停（800091）或已取消（2011）",
    ),
    ("Stale etag (2055)", "etag 已过期（2055）"),
    (
        "The subscription's possible upgrades, eligible or not.",
        "订阅的可用升级，无论是否具备资格。",
    ),
    (
        "Every target of the subscription's upgrade paths; for each one that is not eligible,\nevery reason (`upgradeErrors`), explained with the fix in the request's language. A\nsubscription whose offer has no upgrade paths has no items.",
        "订阅的升级路径中的每个目标；对于不具备资格的目标，列出每个原因（`upgradeErrors`），并以请求的语言说明解决方法。产品/服务没有升级路径的订阅没有任何项。",
    ),
    ("The subscription's upgrades", "订阅的升级"),
    (
        "Upgrades the subscription to a target offer.",
        "将订阅升级到目标产品/服务。",
    ),
    (
        "The subscription of the path is the **source**. The upgrade makes a new subscription with the\nlicenses asked, assigned licenses moved to it, the source cancelled (or, for fewer licenses\nthan it has, reduced). The one eligibility rule decides inside the transaction that makes the\nupgrade; an ineligible upgrade answers 409 with its `upgradeErrors` and writes nothing.",
        "路径中的订阅是**原订阅**。升级会创建一个具有所请求许可证数量的新订阅，已分配的许可证转移到新订阅，原订阅被取消（许可证数量少于原订阅时则减少其数量）。同一条资格规则在执行升级的事务中作出判断；不具备资格的升级返回 409 及其 `upgradeErrors`，不写入任何内容。",
    ),
    ("The upgrade was made", "已完成升级"),
    (
        "Invalid input (800002) or quantity out of the target's range (2002)",
        "输入无效（800002）或数量超出目标的范围（2002）",
    ),
    (
        "Not eligible: the reasons in upgradeErrors; nothing written",
        "不具备资格：原因见 upgradeErrors；未写入任何内容",
    ),
    ("An offer of the catalog.", "目录中的一个产品/服务。"),
    ("With its license range.", "包括其许可证数量范围。"),
    (
        "The offer's id, e.g. O365_E3",
        "产品/服务的 ID，例如 O365_E3",
    ),
    ("The offer", "产品/服务"),
    ("No such offer (20003)", "没有此产品/服务（20003）"),
    ("Reseller portal API", "经销商门户 API"),
    ("query", "查询"),
    ("header", "标头"),
    ("path", "路径"),
    // issue 31
    ("Creates a customer.", "创建客户。"),
    (
        "The customer, this reseller's relationship with it with delegated admin privileges, and the\ntenant's first admin (`admin@{prefix}.partner.onmschina.cn`), whose generated password this\nanswer shows once. The domain must be free in the whole portal (compared without case: check\nit first with `GET /v1/validations/checkdomainavailability/{prefix}`). The address is Chinese:\n`state` a province, municipality or region (Chinese or English name), a six-digit\n`postalCode`. With `MS-RequestId`, the same request again is the same customer (answered\nwithout the password).",
        "客户、本经销商与其之间具有委派管理员权限的关系，以及租户的第一个管理员（`admin@{prefix}.partner.onmschina.cn`），其生成的密码仅在此答复中显示一次。域在整个门户中必须未被占用（比较时不区分大小写：可先用 `GET /v1/validations/checkdomainavailability/{prefix}` 检查）。地址为中国地址：`state` 为省、直辖市或自治区（中文或英文名称），`postalCode` 为六位数字。带上 `MS-RequestId` 时，再次发送同一请求得到同一客户（答复中不含密码）。",
    ),
    (
        "A GUID that makes the call idempotent",
        "使调用具有幂等性的 GUID",
    ),
    (
        "The customer and its first admin's credentials",
        "客户及其第一个管理员的凭据",
    ),
    (
        "A field missing or not valid, or the domain taken (800002); nothing written",
        "缺少字段或字段无效，或域已被占用（800002）；不写入任何内容",
    ),
    (
        "A country other than CN (2030)",
        "CN 以外的国家/地区（2030）",
    ),
    (
        "The customer's orders placed by this reseller.",
        "本经销商为该客户下的订单。",
    ),
    ("The orders, newest first", "订单，最新的在前"),
    (
        "Places an order of new subscriptions for the customer.",
        "为客户下一个新订阅的订单。",
    ),
    (
        "Every line makes a subscription: active, its licenses, billed monthly from today (free until\nthe reseller's next billing date, then billed in advance). All of them or none: a request\nwith anything wrong writes nothing. With `MS-RequestId`, the same request again (or at once)\nis the same order, with the same answer.",
        "每一行创建一个订阅：有效，带其许可证，从今天起按月计费（到经销商的下一个计费日期之前免费，之后预付）。要么全部创建，要么全不创建：请求中有任何错误都不会写入任何内容。带上 `MS-RequestId` 时，再次（或同时）发送同一请求得到同一订单和同一答复。",
    ),
    (
        "A GUID that makes the order idempotent: the same value again returns the first answer",
        "使订单具有幂等性的 GUID：再次发送同一值将返回第一次的答复",
    ),
    (
        "The order, its line items with their subscriptions",
        "订单，及其行项目和对应的订阅",
    ),
    (
        "Invalid input (800002), a quantity out of the offer's range (2002) or a billing cycle other than monthly (900269); nothing written",
        "输入无效（800002）、数量超出产品的范围（2002）或计费周期不是每月（900269）；不写入任何内容",
    ),
    ("One of the customer's orders.", "客户的一个订单。"),
    ("The order's id", "订单的 ID"),
    ("The order", "订单"),
    (
        "Whether a customer holds the domain.",
        "是否有客户持有该域。",
    ),
    (
        "200 when the domain is taken (by any customer in the portal, compared without case), 404\nwhen it is free. No body either way.",
        "域已被占用时返回 200（被门户中任一客户占用，比较时不区分大小写），未被占用时返回 404。两种情况都没有正文。",
    ),
    (
        "A domain, e.g. fabrikam.partner.onmschina.cn",
        "一个域，例如 fabrikam.partner.onmschina.cn",
    ),
    ("The domain is taken", "域已被占用"),
    ("The domain is free", "域未被占用"),
    ("Every offer of the market.", "该市场的所有产品。"),
    (
        "The whole catalog of Partner Center operated by 21Vianet, in its order, with each offer's\nlicense range and upgrade paths: the limits the portal enforces.",
        "由世纪互联运营的合作伙伴中心的完整产品目录，按其顺序列出，包括每个产品的许可证范围和升级路径：即门户执行的限制。",
    ),
    ("The market: CN", "市场：CN"),
    ("The catalog's offers", "产品目录中的产品"),
    ("No country (800002)", "未提供国家/地区（800002）"),
    (
        "With its license range and upgrade paths.",
        "包括其许可证范围和升级路径。",
    ),
    ("Whether a domain prefix is free.", "域前缀是否可用。"),
    (
        "`true` when `{prefix}.partner.onmschina.cn` is free, `false` when a customer holds it. The\nprefix: ASCII letters and digits, 1 to 27 (anything else: 400, 800002).",
        "`{prefix}.partner.onmschina.cn` 未被占用时为 `true`，已被客户持有时为 `false`。前缀：ASCII 字母和数字，1 到 27 个（其他任何内容：400，800002）。",
    ),
    (
        "A domain prefix, e.g. fabrikam",
        "一个域前缀，例如 fabrikam",
    ),
    (
        "true when free, false when taken",
        "未被占用时为 true，已被占用时为 false",
    ),
    ("Not a domain prefix (800002)", "不是有效的域前缀（800002）"),
    (
        "The request's id (32 hexadecimal digits, from the 202's `Location`)",
        "申请的 ID（32 位十六进制数字，取自 202 应答的 `Location`）",
    ),
    (
        "The reseller's changes, as Partner Center's audit records.",
        "经销商所做的更改，以合作伙伴中心的审核记录形式提供。",
    ),
    (
        "From this date (yyyy-mm-dd) or instant (RFC 3339); default: 30 days ago",
        "从此日期（yyyy-mm-dd）或时刻（RFC 3339）起；默认：30 天前",
    ),
    (
        "Up to this date's end (yyyy-mm-dd) or this instant (RFC 3339); default: now",
        "到此日期结束时（yyyy-mm-dd）或此时刻（RFC 3339）为止；默认：现在",
    ),
    (
        "The reseller's changes in the range, oldest first, at most 500",
        "该时间范围内经销商所做的更改，最早的在前，最多 500 条",
    ),
    (
        "A date that can't be read, or an end not after the start (800002)",
        "日期无法识别，或结束时间不晚于开始时间（800002）",
    ),
];

/// `text` in Chinese, where the reference has it; otherwise as it is.
pub fn zh(text: &str) -> String {
    ZH.iter()
        .find(|(en, _)| *en == text)
        .map_or_else(|| text.to_owned(), |(_, zh)| (*zh).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::pages::api_access::reference;

    #[test]
    fn every_operation_of_the_document_is_said_in_chinese() {
        let document: serde_json::Value =
            serde_json::from_str(crate::web::api::openapi::json()).unwrap();
        let (operations, _) = reference(&document);
        let mut missing = Vec::new();
        let mut texts = vec![
            document["info"]["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ];
        for op in &operations {
            texts.extend([op.summary.clone(), op.description.clone()]);
            for p in &op.parameters {
                texts.extend([p.description.clone(), p.place.clone()]);
            }
            texts.extend(op.responses.iter().map(|(_, d, _)| d.clone()));
        }
        for text in texts.into_iter().filter(|t| !t.is_empty()) {
            if !ZH.iter().any(|(en, _)| *en == text) {
                missing.push(text);
            }
        }
        assert!(missing.is_empty(), "no Chinese for: {missing:#?}");
        assert_eq!(zh("The customer"), "客户");
        assert_eq!(zh("not in the table"), "not in the table");
    }
}
