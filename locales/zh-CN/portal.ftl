portal-name = 由世纪互联运营的合作伙伴中心 · 经销商门户
footer = 由世纪互联运营的合作伙伴中心的云解决方案提供商经销商门户
skip-to-content = 跳到主要内容
nav-label = 主导航
nav-customers = 客户
breadcrumbs = 位置
sign-in = 登录
sign-in-lede = 使用经销商帐户的电子邮件和密码登录。
sign-in-failed = 电子邮件或密码不正确。
sign-out = 注销
email = 电子邮件
password = 密码

customers-title = 客户列表
search = 搜索
search-label = 按公司名称或域名搜索客户
search-placeholder = 公司名称或域名
search-clear = 清除搜索
customers-count = 共 { $count } 个客户
customers-found = 与“{ $query }”匹配的客户
customers-none = 还没有客户。使用 portal import 导入客户。
customers-none-found = 没有与此搜索匹配的客户。请尝试公司名称或域名的一部分。
company-name = 公司名称
domain = 域名
subscription-count = { $count } 个订阅
open-subscriptions = 打开订阅页面
no-dap-short = 没有委派管理权限
pager-label = 分页
pager-previous = 上一页
pager-next = 下一页
pager-position = 第 { $page } 页，共 { $pages } 页
pager-page = 第 { $page } 页

subscriptions = 订阅
subscriptions-none = 此客户没有从你这里购买的订阅。
friendly-name = 易记名称
offer = 产品/服务
licenses = 许可证
licenses-of = 已分配 { $assigned } / 共 { $total }
status = 状态
details = 详细信息
status-active = 处于活动状态
status-suspended = 已暂停
status-cancelled = 已取消
no-dap-notice = 你没有此客户的委派管理权限，因此无法升级其订阅。

subscription-id = 订阅 ID
upgrade-now = 立即升级
upgrade-notice-title = 此订阅具备升级资格。
upgrade-notice-text = 选择新的产品/服务，并输入客户需要的许可证数量。
created = 创建日期
billing-cycle = 计费周期
monthly = 每月
annual = 每年
auto-renew = 自动续订
on = 已开启
off = 已关闭
reseller-of-record = 记录经销商
upgraded-from = 升级自
upgraded-to = 已升级到
eligibility-title = 升级资格
not-eligible = 此订阅目前无法升级。原因和解决方法如下，按规则逐条列出。
target-eligible = 可以升级到此产品/服务。
target-blocked-above = 因上述原因无法升级。
adds-services = 附加服务：{ $services }
no-additional-services = 无附加服务
manage-title = 管理订阅
change-licenses = 许可证数量
licenses-hint = 输入 { $min } 到 { $max } 之间的整数（不能少于已分配给用户的许可证）。
save-licenses = 保存许可证数量
suspend = 暂停订阅
suspend-hint = 暂停后，用户将无法登录；管理员仍可登录。
reactivate = 重新激活订阅
reactivate-hint = 重新激活后，用户可以再次登录。
done-licenses = 已更改许可证数量。
done-suspend = 已暂停订阅。
done-reactivate = 已重新激活订阅。
history-title = 更改历史记录
history-none = 此订阅还没有更改记录。
history-when = 时间（北京时间）
history-who = 操作人
history-what = 更改
history-before = 更改前
history-after = 更改后
activity-licenses = 更改许可证数量
activity-suspend = 暂停
activity-reactivate = 重新激活
activity-upgrade-from = 升级到新订阅
activity-upgrade-to = 通过升级创建
history-upgrade-link = 升级结果

licenses-error-empty = 请输入许可证数量。
licenses-error-full-width = 请使用半角数字 0–9 输入许可证数量。
licenses-error-not-whole = 许可证数量必须是整数，例如 25。
licenses-error-range = 请输入 { $min } 到 { $max } 之间的数字。
licenses-error-below-assigned = 已有 { $assigned } 个许可证分配给用户。请先在由世纪互联运营的 Office 365 管理中心取消分配，再减少许可证。
licenses-error-unchanged = 此订阅已有 { $n } 个许可证。
licenses-error-not-active = 只有处于活动状态的订阅才能更改许可证数量。
status-error-cancelled = 已取消的订阅无法更改状态。
status-error-already-suspended = 此订阅已暂停。
status-error-already-active = 此订阅已处于活动状态。

reason-no-paths = 此产品/服务没有可用升级。
fix-no-paths = 如果客户需要其他产品/服务，请将其作为新订阅购买。
reason-target-not-found = 所选产品/服务不在此订阅的可用升级中。
fix-target-not-found = 请从可用升级中选择一个产品/服务。
reason-not-active = 订阅当前为“{ $status }”，只有处于活动状态的订阅才能升级。
fix-not-active-suspended = 请先在下方的“管理订阅”中重新激活此订阅，然后再升级。
fix-not-active-cancelled = 已取消的订阅无法升级。如果客户需要，请购买新订阅。
reason-delegated-admin = 你没有此客户的委派管理权限。
fix-delegated-admin = 请向客户请求委派管理权限，客户接受后即可升级。
reason-conflicting-services = 客户已通过 { $offers } 拥有 { $services }，而这些正是此次升级的附加服务。
fix-conflicting-services = 该订阅可能是从其他经销商或渠道购买的（多渠道）。客户必须先取消 { $offers }，才能从你这里购买 { $target }。
reason-already-owned = 客户已拥有 { $target } 的订阅。
fix-already-owned = 该订阅可能是从其他经销商或渠道购买的（多渠道）。客户必须先取消现有的 { $target }，才能从你这里购买。
reason-not-reseller-of-record = 你不是此订阅的记录经销商。
fix-not-reseller-of-record = 只有售出此订阅的经销商才能更改、转换或迁移它。
reason-concurrency = 自你打开此页面后，此订阅已被更改，未保存任何内容。
fix-concurrency = 请查看最新信息后重试。

service-office-apps = Office 应用
service-onedrive = OneDrive
service-exchange = Exchange
service-sharepoint = SharePoint
service-skype = Skype for Business
service-compliance = 合规性

upgrade-title = 升级订阅
upgrade-from = 当前：{ $offer }，{ $licenses } 个许可证。
choose-offer = 选择新产品/服务
licenses-max = 最多 { $max } 个许可证
licenses-needed = 客户需要的许可证数量
upgrade-licenses-hint = 默认为当前的 { $quantity } 个。已分配的 { $assigned } 个许可证会转移到新订阅（最多转移到新数量）；数量少于当前数量时，原订阅保留其余许可证。
submit = 提交
cancel = 取消
upgrade-error-no-offer = 请选择要升级到的产品/服务。
upgrade-error-unknown-offer = 所选产品/服务不存在。请从列表中选择。
paths-title = 中国的云解决方案提供商经销商可以使用的升级
possible-upgrades = 可用升级

upgrade-result-title = 升级完成
upgrade-result-lede = 已将 { $source } 升级到 { $target }。
upgrade-result-path = 升级
upgrade-result-new = 新订阅
upgrade-result-new-link = 打开新订阅（{ $licenses } 个许可证）
upgrade-result-moved = 转移的已分配许可证
upgrade-result-moved-value = { $count } 个
upgrade-result-source = 原订阅
upgrade-result-source-cancelled = 已取消（原因：已升级）
upgrade-result-source-keeps = 保留 { $quantity } 个许可证（已分配 { $assigned } 个），仍处于活动状态
note = 注意
upgrade-result-note = 可能需要使用由世纪互联运营的 Office 365 管理中心完成一些与升级相关的任务。
back-to-subscriptions = 返回订阅页面

request-dap = 请求委派的管理权限
dap-lede = 委派管理权限让你可以代表客户管理其服务，包括升级订阅。
dap-already = 你已拥有此客户的委派管理权限。
dap-steps-title = 如何请求
dap-step-1 = 将下面的邀请链接和电子邮件发送给客户的全局管理员。
dap-step-2 = 客户在由世纪互联运营的 Office 365 管理中心打开链接并接受。
dap-step-3 = 客户接受后，此客户的订阅即可升级。
dap-link = 邀请链接
dap-subject = 电子邮件主题
dap-email = 电子邮件正文
dap-email-subject = { $reseller } 邀请你授予委派管理权限
dap-email-body =
    { $customer } 的管理员，你好：

    { $reseller } 希望成为你的云解决方案提供商经销商，并请求委派管理权限，以便代表你管理和升级 Office 365 订阅。

    请使用全局管理员帐户打开以下链接，在由世纪互联运营的 Office 365 管理中心查看并接受此请求：

    { $link }

    如有疑问，请回复此邮件。

    { $reseller }
dap-multichannel = 在多渠道模式下，每项服务只能有一个合作伙伴拥有客户的委派管理权限。

error-home = 返回客户列表
error-400-title = 无法处理此请求
error-400-text = 请求不完整或已损坏。请返回上一页重新提交表单。
error-403-title = 禁止访问
error-403-text = 此请求被拒绝，未保存任何内容。请刷新页面后重试。
error-404-title = 找不到此页面
error-404-text = 此页面不存在，或者你无权查看。请从客户列表重新开始。
error-405-title = 不支持此操作
error-405-text = 此地址不支持这种请求。
error-413-title = 提交的内容过大
error-413-text = 表单内容超出了允许的大小，未保存任何内容。
error-429-title = 请求过于频繁
error-429-text = 请稍候再试。
error-500-title = 出现问题
error-500-text = 门户遇到意外错误，未保存任何内容。请稍后重试。
current-offer = （当前）
nav-activity = 活动日志
activity-sign-in = 登录
activity-title = 活动日志
activity-lede = 你的用户所做的每项更改和每次登录，最新的在前。
activity-filter = 按客户筛选
activity-all-customers = 所有客户
activity-filter-apply = 筛选
activity-none = 还没有活动记录。
activity-count = 共 { $count } 条记录
activity-customer = 客户
activity-subscription = 订阅
sign-in-throttled = 登录尝试次数过多。请在 { $minutes } 分钟后重试。
session-expired = 你的会话已过期，请重新登录。
