portal-name = Partner Center operated by 21Vianet · Reseller portal
footer = Reseller portal for Cloud Solution Provider resellers of Partner Center operated by 21Vianet
skip-to-content = Skip to main content
nav-label = Main navigation
nav-customers = Customers
breadcrumbs = Breadcrumbs
sign-in = Sign in
sign-in-lede = Sign in with your reseller account's email and password.
sign-in-failed = The email or password is incorrect.
sign-out = Sign out
email = Email
password = Password

customers-title = Customer list
search = Search
search-label = Search customers by company name or domain
search-placeholder = Company name or domain
search-clear = Clear search
customers-count = { $count_n ->
    [one] { $count } customer
   *[other] { $count } customers
}
customers-found = Customers matching “{ $query }”
customers-found-count = { $count_n ->
    [one] { $count } customer matches “{ $query }”
   *[other] { $count } customers match “{ $query }”
}
customers-none = No customers yet. Load them with portal import.
customers-none-found = No customer matches this search. Try part of the company name or domain.
customers-export = Export customers (CSV)
subscriptions-export = Export subscriptions (CSV)
company-name = Company name
domain = Domain
subscription-count = { $count_n ->
    [one] { $count } subscription
   *[other] { $count } subscriptions
}
open-subscriptions = Open the Subscriptions page
no-dap-short = No delegated admin privileges
pager-label = Pages
pager-previous = Previous
pager-next = Next
pager-position = Page { $page } of { $pages }
pager-page = Page { $page }

subscriptions = Subscriptions
subscriptions-none = This customer has no subscriptions bought from you.
friendly-name = Friendly name
offer = Offer
licenses = Licenses
licenses-of = { $assigned } of { $total } assigned
status = Status
details = Details
status-active = Active
status-suspended = Suspended
status-cancelled = Cancelled
no-dap-notice = You don't have delegated administrative privileges for this customer, so its subscriptions can't be upgraded.

subscription-id = Subscription ID
upgrade-now = Upgrade now
upgrade-notice-title = This subscription is eligible for upgrade.
upgrade-notice-text = Choose a new offer and enter the number of licenses the customer needs.
created = Created
billing-cycle = Billing cycle
monthly = Monthly
annual = Annual
auto-renew = Auto-renew
on = On
off = Off
reseller-of-record = Reseller of record
upgraded-from = Upgraded from
upgraded-to = Upgraded to
eligibility-title = Upgrade eligibility
not-eligible = This subscription can't be upgraded now. Here is why, rule by rule, and how to fix it.
target-eligible = Can be upgraded to this offer.
target-blocked-above = Not available for the reasons above.
adds-services = Adds: { $services }
no-additional-services = none
manage-title = Manage subscription
change-licenses = Number of licenses
licenses-hint = Enter a whole number from { $min } to { $max } (not below the licenses assigned to users).
save-licenses = Save licenses
suspend = Suspend subscription
suspend-hint = Once suspended, its users can't sign in; administrators still can.
reactivate = Reactivate subscription
reactivate-hint = Once reactivated, its users can sign in again.
done-licenses = The number of licenses was changed.
done-suspend = The subscription was suspended.
done-reactivate = The subscription was reactivated.
history-title = Change history
history-none = No changes to this subscription yet.
history-when = When (China Standard Time)
history-who = By
history-what = Change
history-before = Before
history-after = After
activity-licenses = Changed licenses
activity-suspend = Suspended
activity-reactivate = Reactivated
activity-upgrade-from = Upgraded to a new subscription
activity-upgrade-to = Created by an upgrade
history-upgrade-link = upgrade result

licenses-error-empty = Enter the number of licenses.
licenses-error-full-width = Type the number with half-width digits 0–9.
licenses-error-not-whole = The number of licenses must be a whole number, such as 25.
licenses-error-range = Enter a number from { $min } to { $max }.
licenses-error-below-assigned = { $assigned_n ->
    [one] { $assigned } license is
   *[other] { $assigned } licenses are
} assigned to users. Unassign some in the admin center for Office 365 operated by 21Vianet before removing licenses.
licenses-error-unchanged = The subscription already has { $n_n ->
    [one] { $n } license
   *[other] { $n } licenses
}.
licenses-error-not-active = Only an active subscription's licenses can change.
status-error-cancelled = A cancelled subscription can't change status.
status-error-already-suspended = The subscription is already suspended.
status-error-already-active = The subscription is already active.

reason-no-paths = This offer has no upgrade paths.
fix-no-paths = If the customer needs another offer, buy it as a new subscription.
reason-target-not-found = The chosen offer is not among this subscription's possible upgrades.
fix-target-not-found = Choose one of the possible upgrades.
reason-not-active = The subscription is { $status }; only an active subscription can be upgraded.
fix-not-active-suspended = Reactivate it first under Manage subscription below, then upgrade.
fix-not-active-cancelled = A cancelled subscription can't be upgraded. Buy a new subscription if the customer needs one.
reason-delegated-admin = You don't have delegated administrative privileges for this customer.
fix-delegated-admin = Ask the customer for delegated administrative privileges; once they accept, you can upgrade.
reason-conflicting-services = The customer already has { $services } through { $offers }, which this upgrade would add.
fix-conflicting-services = It may have been bought from another reseller or channel (multichannel). The customer must cancel { $offers } before buying { $target } from you.
reason-already-owned = The customer already has a subscription to { $target }.
fix-already-owned = It may have been bought from another reseller or channel (multichannel). The customer must cancel their { $target } before buying it from you.
reason-not-reseller-of-record = You are not the reseller of record of this subscription.
fix-not-reseller-of-record = Only the reseller that sold a subscription can change, transition or migrate it.
reason-concurrency = This subscription changed since you opened this page; nothing was saved.
fix-concurrency = Review the current details and try again.

service-office-apps = Office apps
service-onedrive = OneDrive
service-exchange = Exchange
service-sharepoint = SharePoint
service-skype = Skype for Business
service-compliance = Compliance

upgrade-title = Upgrade subscription
upgrade-from = Now: { $offer }, { $licenses_n ->
    [one] { $licenses } license
   *[other] { $licenses } licenses
}.
choose-offer = Choose a new offer
licenses-max = up to { $max } licenses
licenses-needed = Number of licenses the customer needs
upgrade-licenses-hint = Defaults to the current { $quantity }. The { $assigned } assigned licenses move to the new subscription (up to its number); with fewer licenses than now, the current subscription keeps the rest.
submit = Submit
cancel = Cancel
upgrade-error-no-offer = Choose the offer to upgrade to.
upgrade-error-unknown-offer = That offer doesn't exist. Choose one from the list.
paths-title = Upgrades available to Cloud Solution Provider resellers in China
possible-upgrades = Possible upgrades

upgrade-result-title = Upgrade complete
upgrade-result-lede = { $source } was upgraded to { $target }.
upgrade-result-path = Upgrade
upgrade-result-new = New subscription
upgrade-result-new-link = Open the new subscription ({ $licenses_n ->
    [one] { $licenses } license
   *[other] { $licenses } licenses
})
upgrade-result-moved = Assigned licenses moved
upgrade-result-moved-value = { $count }
upgrade-result-source = Previous subscription
upgrade-result-source-cancelled = Cancelled (reason: upgraded)
upgrade-result-source-keeps = Keeps { $quantity_n ->
    [one] { $quantity } license
   *[other] { $quantity } licenses
} ({ $assigned } assigned) and stays active
note = Note
upgrade-result-note = You may need to use the admin center for Office 365 operated by 21Vianet to complete some upgrade-related tasks.
back-to-subscriptions = Back to Subscriptions

request-dap = Request delegated administrative privileges
dap-lede = Delegated administrative privileges let you manage the customer's services on their behalf, including upgrading subscriptions.
dap-already = You already have delegated administrative privileges for this customer.
dap-steps-title = How to request them
dap-step-1 = Send the invitation link and email below to the customer's global administrator.
dap-step-2 = The customer opens the link in the admin center for Office 365 operated by 21Vianet and accepts.
dap-step-3 = Once they accept, this customer's subscriptions can be upgraded.
dap-link = Invitation link
dap-subject = Email subject
dap-email = Email text
dap-email-subject = { $reseller } invites you to grant delegated administrative privileges
dap-email-body =
    Dear administrator of { $customer },

    { $reseller } would like to be your Cloud Solution Provider reseller and asks for delegated administrative privileges, so that it can manage and upgrade your Office 365 subscriptions on your behalf.

    Please open the link below with a global administrator account to review and accept the request in the admin center for Office 365 operated by 21Vianet:

    { $link }

    If you have any questions, reply to this email.

    { $reseller }
dap-multichannel = In the multichannel model, a customer can have only one partner with delegated administrative privileges per service.

error-home = Back to the customer list
error-400-title = This request can't be processed
error-400-text = The request was incomplete or damaged. Go back and submit the form again.
error-403-title = Forbidden
error-403-text = This request was refused and nothing was saved. Reload the page and try again.
error-404-title = Page not found
error-404-text = This page doesn't exist, or you don't have access to it. Start again from the customer list.
error-405-title = Not supported
error-405-text = This address doesn't support this kind of request.
error-413-title = Too much data
error-413-text = The form was larger than allowed; nothing was saved.
error-429-title = Too many requests
error-429-text = Please wait a moment and try again.
error-500-title = Something went wrong
error-500-text = The portal ran into an unexpected error and saved nothing. Please try again later.
current-offer = (current)
nav-activity = Activity log
activity-sign-in = Signed in
activity-title = Activity log
activity-lede = Every change your users made, and every sign-in, newest first.
activity-filter = Filter by customer
activity-all-customers = All customers
activity-filter-apply = Filter
activity-export = Export activity (CSV)
activity-dates-label = Filter by date
activity-from = From
activity-to = To
activity-dates-hint = Days in China Standard Time (UTC+8), both included. The export follows the same filter.
activity-dates-clear = Any date
date-invalid = Enter a date as YYYY-MM-DD, for example 2026-07-20.
date-before-first = The end date can't be before the start date.
activity-none = No activity yet.
activity-count = { $count_n ->
    [one] { $count } record
   *[other] { $count } records
}
activity-customer = Customer
activity-subscription = Subscription
sign-in-throttled = Too many sign-in attempts. Try again in { $minutes_n ->
    [one] a minute
   *[other] { $minutes } minutes
}.
session-expired = Your session has expired. Please sign in again.
activity-rename = Renamed
activity-via-api = via the API
activity-via-token = via the API · { $token }
nav-api = API access
api-title = API access
api-lede = Scripts and tools reach your customers and subscriptions through the portal's Partner Center-compatible REST API under /v1. A token acts as you: the same customers, the same rules, and every change in the activity log.
api-issued = Token "{ $name }" issued.
api-issued-once = Copy it now: it is shown only this once. Send it as "Authorization: Bearer" followed by the token.
api-token = Token
api-revoked = The token was revoked: it no longer works.
api-issue-title = Issue a token
api-name = Name
api-name-hint = What the token is for, so that you can tell your tokens apart (for example "Nightly license sync").
api-issue = Issue token
api-name-error-empty = Enter a name for the token.
api-name-error-long = Use at most 100 characters.
api-name-error-control = Use a name on one line, without tabs.
api-name-error-direction = Remove the invisible text-direction control character (such as U+202E): it would make the name show reversed.
api-tokens-title = Your tokens
api-tokens-none = You have no tokens yet.
api-created = Created (China Standard Time)
api-last-used = Last used
api-never = Never
api-state-live = Live
api-state-revoked = Revoked
api-revoke = Revoke
api-revoke-named = Revoke token { $name }
api-start-title = Quick start
api-start-lede = List your customers, then a subscription's upgrades; the reference describes every call, its fields and its errors.
api-reference = API reference
api-operations = Operations
api-parameters = Parameters
api-field = Name
api-in = In
api-type = Type
api-description = Description
api-body = Request body
api-responses = Responses
api-status = Status
api-schemas = Schemas
api-openapi = OpenAPI 3.1 document (JSON)
review-title = Review
review-lede = Check what the change does, and what it does to your bill, before you confirm it.
review-changes = What changes
review-assigned = Assigned
review-new = (new)
review-money = What it does to your bill
review-period = This billing period
review-period-charge = { $amount } more, charged on { $date }
review-period-credit = { $amount } less, credited on { $date }
review-period-none = No change, settled on { $date }
review-advance = Monthly advance from { $date }
review-unchanged = (unchanged)
review-how = Licenses are billed monthly in advance; a change counts from today, prorated by day, and is settled on the next billing date with the advance reversed. The figures assume no further change this period.
review-no-price = { $offer } has no price in the price list, so the cost of this change can't be shown. You can still make the change.
review-confirm = Confirm
review-back = Back
review-changed = The subscription changed since you last saw it. Here is the review with its current state and figures: check it again.
review-prices-changed = The price list changed since the review. Here are the new figures: check them again.
review-licenses-title = Change licenses from { $from } to { $to }
review-suspend-title = Suspend the subscription
review-reactivate-title = Reactivate the subscription
review-upgrade-title = Upgrade { $from } to { $to }
review-rename-title = Rename “{ $from }” to “{ $to }”
review-edit-title = Change the subscription
nav-charges = Charges
nav-prices = Prices
nav-settings = Settings
prices-title = Prices
prices-lede = The unit price of each offer today ({ $date }), per license per month, in CNY.
prices-id = Offer ID
prices-unit = Unit price
prices-upcoming = Later prices
prices-none = No price
prices-from = { $price } from { $date }
prices-how = Later price lists add to earlier ones: a price holds from its day until a later one. A billing period's usage is charged at the price of its first day; an advance at the price of its billing date.
settings-title = Settings
settings-lede = Your reseller's settings.
settings-saved = Saved.
settings-day = Billing day
settings-day-now = Invoices are dated the { $day }th of each month (China Standard Time). The next is on { $date }.
settings-day-label = Day of the month
settings-day-hint = From 1 to 28, so that every month has one.
settings-day-error = Enter a whole number from 1 to 28.
settings-save = Save
settings-admin-only = Your role can't change the billing day: the global admins, admin agents and billing admins of your reseller can.
charges-title = Charges
charges-lede = License-based subscriptions are billed monthly in advance, on the { $day }th: each invoice takes back the advance of the period that ended, charges what it used day by day, and charges the advance of the period that starts.
charges-dates = Invoice dates
charges-next = Next: { $date } (estimate)
charges-invoice = Invoice of { $date }
charges-estimate = Next invoice, { $date } (estimate so far)
charges-estimate-how = What the next invoice holds from the changes made so far, assuming no further change.
charges-no-price = { $offer } has no price on a day it is charged for: its lines are left out.
charges-none = No charges on this date.
charges-type = Charge
charges-days = Days
charges-amount = Amount
charges-total = Total
charges-csv = Download CSV
charge-advance = Advance
charge-advance_reversal = Advance taken back
charge-prorated_usage = Prorated usage
sign-in-throttled-seconds = Too many failed sign-in attempts. Try again in { $seconds_n ->
    [one] a second
   *[other] { $seconds } seconds
}.
activity-sign-in-throttled = Sign-in held back (too many failed attempts)
activity-held-back-attempts = { $count_n ->
    [one] 1 attempt
   *[other] { $count } attempts
} held back in the quarter hour to { $until }
error-503-title = Briefly unavailable
error-503-text = The portal can't reach the services it keeps its data in right now. Nothing was saved; please try again in a few seconds.

## Bulk changes
nav-bulk = Bulk changes
activity-via-job = bulk change #{ $job }
bulk-title = Bulk changes
bulk-lede = Change many subscriptions at once: pick them by offer, status and customer, or upload the rows of a spreadsheet. Every row is reviewed before anything changes, and runs as a job you can follow and cancel.
bulk-selection-title = Select subscriptions
bulk-selection-hint = Every subscription you sold that matches the filters below.
bulk-any-offer = Any offer
bulk-any-status = Active or suspended
bulk-customers = Customers (name or domain)
bulk-action = Action
bulk-action-upgrade = Upgrade to an offer
bulk-action-licenses-set = Set the number of licenses
bulk-action-licenses-add = Add licenses
bulk-action-suspend = Suspend
bulk-action-reactivate = Reactivate
bulk-target = Upgrade to
bulk-choose-target = Choose an offer
bulk-target-hint = For an upgrade only.
bulk-quantity = Licenses
bulk-quantity-hint = For an upgrade: the new subscription's licenses (empty: as many as each subscription has). To set or add: the number.
bulk-review = Review the changes
bulk-file-title = From a spreadsheet
bulk-file-hint = Start from the subscriptions export or the template, add the columns Action, Target offer ID and Quantity, and keep the rows to change. Columns may be named in English or Chinese (订阅 ID, 操作, 目标产品 ID, 数量); other columns are ignored.
bulk-file-choose = Choose a CSV file
bulk-file-rows = Rows
bulk-file-rows-hint = The file's text, or rows pasted from a spreadsheet with their header row.
bulk-jobs-title = Jobs
bulk-jobs-none = No bulk changes yet.
bulk-waiting-title = Waiting for review
bulk-waiting-hint = Written but neither confirmed nor discarded: open one to confirm or discard it. Up to { $max } can wait at a time; one not confirmed within { $hours } hours is discarded.
bulk-job = Job
bulk-what = What it does
bulk-count-succeeded = Succeeded
bulk-count-refused = Refused
bulk-count-failed = Failed
bulk-count-left = Left
bulk-job-name = Bulk change #{ $id }
bulk-job-review = In review
bulk-job-running = Running
bulk-job-cancelled = Cancelled
bulk-job-done = Finished
bulk-error-offer = Choose an offer from the list.
bulk-error-status = Choose a status from the list.
bulk-error-quantity = Enter a whole number of licenses, 1 or more.
bulk-error-target = Choose the offer to upgrade to.
bulk-error-action = Choose what to do.
bulk-error-none = No subscription matches these filters.
bulk-error-too-many = More than { $max } subscriptions match: narrow the selection.
bulk-error-reviews-full = { $max } bulk changes are already waiting for review: confirm or discard one of them (listed below) before starting another.
bulk-does-upgrade = Upgrade to { $target }
bulk-does-upgrade-n = { $n_n ->
    [one] Upgrade to { $target }, { $n } license
   *[other] Upgrade to { $target }, { $n } licenses
}
bulk-does-set = Set licenses to { $n }
bulk-does-add = { $n_n ->
    [one] Add { $n } license
   *[other] Add { $n } licenses
}
bulk-does-suspend = Suspend
bulk-does-reactivate = Reactivate
bulk-file-empty = There are no rows to change.
bulk-file-column = The header row lacks the column “{ $column }”.
bulk-file-not-csv = The rows can't be read as CSV: { $why }
bulk-from-pasted = { $n_n ->
    [one] { $n } pasted row
   *[other] { $n } pasted rows
}
bulk-from-file = { $n_n ->
    [one] { $name } ({ $n } row)
   *[other] { $name } ({ $n } rows)
}
bulk-state-pending = Waiting
bulk-state-succeeded = Succeeded
bulk-state-refused = Refused
bulk-state-failed = Failed
bulk-state-cancelled = Not done (cancelled)
bulk-line-duplicate = The subscription is already on line { $first }; only that line is done.
bulk-line-columns = The line has fewer columns than the header.
bulk-line-invalid-subscription-id = “{ $value }” is not a subscription ID.
bulk-line-subscription-not-found = No subscription of yours has the ID “{ $value }”.
bulk-line-invalid-action = “{ $value }” is not an action: use upgrade, licenses, suspend or reactivate.
bulk-line-invalid-target-offer = “{ $value }” is not an offer ID (for example O365_BUSINESS_PREMIUM).
bulk-line-invalid-quantity = “{ $value }” is not a whole number of licenses.
bulk-row-cancelled = The job was cancelled before this row started; nothing was changed.
bulk-row-failed = An error kept this row from being made; nothing was changed. Try it again.
bulk-review-lede = Nothing has changed yet. Check the rows, then confirm to start the job.
bulk-review-title = Review
bulk-review-will = Will be changed
bulk-review-cannot = Can't be changed
bulk-review-recheck = Each row is checked again when it runs: a subscription that changed since this review is left as it is.
bulk-confirm = { $n_n ->
    [one] Confirm and change { $n } subscription
   *[other] Confirm and change { $n } subscriptions
}
bulk-discard = Discard
bulk-review-problems = Rows that can't be changed
bulk-line = Line
bulk-why = Why
bulk-review-rows = Rows that will be changed
bulk-will = Will
bulk-more-rows = More rows
bulk-first-rows = First rows
bulk-progress = Progress
bulk-results-csv = Download the results (CSV)
bulk-cancel = Cancel the job
bulk-progress-hint = You can leave this page: the job goes on, and the Bulk changes page lists it.
bulk-results = Results
bulk-result = Result
bulk-cost-unpriced = { $n_n ->
    [one] { $n } row is for an offer without a price ({ $offers }): its cost is not in the figures above.
   *[other] { $n } rows are for offers without a price ({ $offers }): their cost is not in the figures above.
}
charges-totals-updating = Some totals are from before the latest change; new ones are being worked out, and this page updates itself when they are ready.
charges-paged = The subscriptions are listed 50 at a time, customer by customer; the totals above are the whole invoice's.
charges-page-total = Total of this page
charges-first-page = First page
charges-totals-first = The invoice's totals are being worked out over your whole book; this page updates itself when they are ready.
subscriptions-first-page = Newest subscriptions

# issue 30
review-done-title = Already done
review-done-text = This change was confirmed and made. Nothing more was changed.
review-done-link = See the result
review-expired-title = This review has expired
review-expired-text = It was not confirmed in time, and nothing was changed. Start again from the subscription.
review-expired-link = Back to the subscription
bulk-job-title = Bulk change #{ $id }: { $what }
bulk-file-nothing = None of the { $n } lines can be changed, so no job was made.
bulk-file-line = Line { $line }: { $why }
bulk-reasons-title = Why rows can't be changed
bulk-reasons-hint = Choose a reason to list only its rows. The file's own problems come first, apart from what the rules refuse.
bulk-reasons-all = All rows that can't be changed
bulk-file-problems = Problems in the file
bulk-rules-refused = Refused by the rules
bulk-review-csv = Download the review (CSV)
bulk-template = Download a template (CSV)
bulk-reason-invalid-line = Too few columns
bulk-reason-invalid-subscription-id = Not a subscription ID
bulk-reason-subscription-not-found = Unknown subscription
bulk-reason-invalid-action = Unknown action
bulk-reason-invalid-target-offer = Unknown target offer
bulk-reason-invalid-quantity = Not a number of licenses
bulk-reason-duplicate-subscription = Subscription named twice
bulk-reason-licenses-out-of-range = Licenses out of range
bulk-reason-licenses-below-assigned = Fewer licenses than assigned
bulk-reason-licenses-unchanged = Licenses unchanged
bulk-reason-subscription-status-not-active = Not active
bulk-reason-subscription-cancelled = Cancelled
bulk-reason-already-suspended = Already suspended
bulk-reason-already-active = Already active
bulk-reason-job-cancelled = Job cancelled
bulk-reason-internal-error = Error
bulk-reason-subscription-does-not-have-any-upgrade-paths = No upgrade paths
bulk-reason-subscription-target-offer-not-found = Not an upgrade path
bulk-reason-delegated-admin-permissions-disabled = No delegated admin permissions
bulk-reason-conflicting-service-types = Services the customer already has
bulk-reason-target-offer-already-owned = Target offer already owned
bulk-reason-not-reseller-of-record = Not the reseller of record
bulk-reason-concurrency-conflicts = Changed since
bulk-error-target-path = { $offer } can't be upgraded to this offer. Choose one of its upgrade paths.
bulk-target-any = Choose an offer above to see its upgrade paths.
# issue 32
role-global-admin = Global admin
role-admin-agent = Admin agent
role-sales-agent = Sales agent
role-helpdesk-agent = Helpdesk agent
role-billing-admin = Billing admin
nav-users = Users
activity-with-role = ({ $role })
activity-refused = Refused: the role may not do this
activity-user-invited = User invited
activity-user-role-changed = Role changed
activity-password-reset = Password reset link made
activity-user-deactivated = User deactivated
error-role-title = Not allowed for your role
error-role-text = Your role doesn't let you do this, so nothing was done. A global admin of your reseller can change your role on the Users page.
api-read-only = Your role can't make changes, so your tokens can only read.
bulk-row-not-allowed = Not made: the role of the person who confirmed the job may not make changes.
users-title = Users
users-lede = The people of your reseller and their roles, as Partner Center names them. Only global admins see this page.
users-list-title = Your users
users-name = Name
users-role = Role
users-role-of = Role of { $email }
users-role-save = Change role
users-state = State
users-actions = Actions
users-active = Active
users-invited = Invited (no password yet)
users-deactivated = Deactivated
users-reset = New password link
users-reset-of = New password link for { $email }
users-deactivate = Deactivate
users-deactivate-of = Deactivate { $email }
users-invite-title = Invite a user
users-invite-hint = The portal makes a link for them to set a password: it works once, within 7 days. Send it to them yourself.
users-invite = Invite
users-link-made = Link for { $email }
users-link-once = Copy it now: it is shown this once, works once and expires in 7 days.
users-link = Link to set a password
users-done-role = The role was changed. It counts from the user's next request.
users-done-deactivated = The user was deactivated: they are signed out at their next request and their API tokens no longer work.
users-last-admin = Your reseller needs at least one active global admin: give another user that role first.
users-email-error = Enter an e-mail address, like name@example.cn.
users-email-taken = A user with this e-mail address exists already.
users-name-error = A name has at most 100 characters.
set-password-title = Set your password
set-password-lede = For { $email }. You sign in with this e-mail address and the password you choose here.
set-password-new = New password
set-password-hint = At least 8 characters.
set-password-again = The same password again
set-password-save = Set password
set-password-done = Your password is set. You can sign in now.
set-password-gone = This link can't be used: it was used already, it expired (links work for 7 days), or it was replaced by a newer one. Ask a global admin of your reseller for a new link.
set-password-too-short = A password has at least 8 characters.
set-password-too-long = A password has at most 200 characters.
set-password-different = The two passwords differ. Type the same password twice.
nav-security = Security
activity-two-step-reset = Two-step sign-in reset
security-title = Security
security-lede = Two-step sign-in: after your password, a code from an authenticator app on your phone.
security-required = Your reseller requires two-step sign-in for your role: set it up before anything else.
security-two-step = Two-step sign-in
security-on = On. { $count } recovery codes left.
security-off = Off: you sign in with your password alone.
security-start = Set up two-step sign-in
security-again = Set up a new authenticator app
security-scan = Scan this code with your authenticator app.
security-qr-label = QR code of your two-step sign-in secret
security-or-type = Or type this secret into the app:
security-first-code = The 6-digit code the app shows now
security-confirm = Confirm
security-enrolled-now = Two-step sign-in is on.
security-codes-once = Your recovery codes, shown this once: keep them somewhere safe. Each signs you in once, instead of a code, if you lose your phone.
two-step-lede = { $email }: enter the 6-digit code from your authenticator app, or one of your recovery codes.
two-step-code = Code
two-step-code-hint = 6 digits, or a recovery code like abcde-fghij.
two-step-verify = Verify
two-step-wrong = That code is not right, or was used already. Enter the code the app shows now.
two-step-expired = Sign-in took too long. Enter your e-mail address and password again.
users-two-step-on = two-step sign-in on
users-two-step-reset = Reset two-step sign-in
users-two-step-reset-of = Reset two-step sign-in of { $email }
users-done-two-step = Two-step sign-in was reset: the user signs in with their password and sets it up again.
users-two-step-title = Two-step sign-in
users-two-step-legend = Required for these roles (their users set it up before anything else)
users-two-step-save = Save
users-done-two-step-roles = The roles that require two-step sign-in were saved.
users-mail-subject = Your account on the reseller portal
users-mail-body = You are invited to { $reseller }'s reseller portal for Partner Center operated by 21Vianet. Open this link to set your password (it works once, within 7 days): { $link }
users-done-mailed = The link was also e-mailed to the user.
users-done-not-mailed = The link could not be e-mailed: send it to the user yourself.
activity-filter-customer = Filter by customer: { $customer }
activity-what-detail = { $what }: { $detail }
activity-renamed = { $before } → { $after }
charges-usage-line = { $from } – { $to }: { $quantity } × { $price } = { $amount }
done-licenses-from-to = The number of licenses was changed from { $from } to { $to }.
activity-action = Action
activity-action-all = All actions
activity-action-changes = Changes (no sign-ins)
activity-action-sign-ins = Sign-ins only
activity-action-licenses = License changes
activity-action-suspend = Suspensions
activity-action-reactivate = Reactivations
activity-action-rename = Renames
activity-action-upgrade = Upgrades
activity-action-purchase = Purchases
fix-conflicting-services-own = The customer bought { $offers } from you: they must cancel it before buying { $target } from you.
fix-already-owned-own = The customer already bought { $target } from you: change that subscription's licenses instead, or cancel it first.
api-copy = Copy
api-copied = Copied to the clipboard.
api-revoked-named = The token “{ $name }” was revoked and can no longer be used.
api-revoke-confirm-title = Revoke the token “{ $name }”?
api-revoke-confirm-lede = Once revoked, the scripts and tools that use this token lose access to the API at once. This can't be undone.
api-revoke-confirm = Revoke the token
charges-reload = Reload now
charges-total-working = Being worked out…
prices-unchanged = unchanged
prices-no-upcoming = No later price is scheduled in the price list: the prices above hold until a new list is loaded.
review-lines = Where the figures come from
review-line-unused = { $offer }: the { $days } days left in this period ({ $from } – { $to }) go from { $before } to { $after } licenses; the unused days' { $amount } is credited
review-line-extra = { $offer }: the { $days } days left in this period ({ $from } – { $to }) go from { $before } to { $after } licenses; { $amount } more
review-line-same = { $offer }: the { $days } days left in this period ({ $from } – { $to }) cost the same
review-line-advance = { $offer }: the advance on { $date }, { $before } → { $after }
review-line-free = { $offer } (new): free from { $from } to { $to }, until its first billing date
review-line-advance-new = { $offer } (new): from { $date }, { $licenses } × { $price } = { $amount } a month in advance
review-annual = This subscription is billed annually. The portal's billing rules (license-based, monthly in advance) don't cover annual subscriptions, so this review shows no figures for the change rather than monthly ones that are not what is billed. You can still make the change.
api-schemas-english = The schemas' field notes are in English, as in Partner Center's API reference; the field names are those on the wire.
# issue 33
nav-notifications = Notifications
notifications-title = Notifications
notifications-lede = The portal posts an event to your address whenever something changes, as Partner Center's webhooks do, signed so that your receiver knows it came from the portal. Scripts manage the same registration with the API (/webhooks/v1/registration).
notifications-registration = Where events are sent
notifications-subscriber = Subscriber ID:
notifications-none = Nothing is sent yet: give an address to send events to.
notifications-url = Receiver's address
notifications-url-hint = An http or https address your receiver listens on, such as https://example.com/webhooks. Addresses on the portal's own machine or network are refused.
notifications-url-error = Enter an http or https address, such as https://example.com/webhooks, without a user name or password.
notifications-url-unresolved = The host { $host } could not be found. Check the address.
notifications-url-refused = The address leads to { $address }, which is on a private, local or reserved network: events are never sent there.
notifications-events = Events to send
notifications-events-error = Choose at least one event.
notifications-event-subscription-updated = a subscription changed: its licenses, status or name, or an upgrade (for both subscriptions)
notifications-event-test-created = a test event you ask for
notifications-event-customer-created = a new customer was created
notifications-event-order-created = an order of new subscriptions was placed
notifications-event-bulk-job-completed = a bulk change job ran its last row
notifications-save = Save
notifications-saved = Saved. Events from now on are sent to this address.
notifications-remove = Stop sending events
notifications-removed = Events are no longer sent. Those not yet sent were dropped.
notifications-send-test = Send a test event
notifications-test-needs = Choose the test-created event to send a test event.
notifications-test-sent = A test event is on its way. Its attempts appear below.
notifications-signed = Each event is signed with RSA-SHA256 (Authorization: Signature). The certificate to verify it with:
notifications-log = Deliveries of the last 7 days
notifications-log-empty = No events in the last 7 days.
notifications-at = Time (China Standard Time)
notifications-event = Event
notifications-resource = Resource
notifications-attempts = Attempts
notifications-last = Last answer
notifications-resend = Send again
notifications-resent = The event will be sent again, with ten more attempts.
notifications-state-pending = Sending
notifications-state-sent = Sent
notifications-state-failed = Failed
notifications-state-dropped = Dropped
# issue 31
offer-description = Includes { $services }.
catalog-small-business = Small business (up to 300 licenses)
catalog-enterprise = Enterprise
nav-catalog = Catalog
catalog-title = Catalog
catalog-lede = Every offer you can sell, with the licenses a subscription may hold and your price per license per month on { $date }.
catalog-services = Services
catalog-licenses = Licenses
catalog-price = Price per license per month
catalog-upgrades = Upgrades to
catalog-no-upgrades = None
catalog-how = New subscriptions are billed monthly. A subscription is free until the next billing date; then each month is billed in advance.
activity-purchase = Bought (a new subscription)
order-add = Add subscription
order-title = Add subscription
order-lede = Enter the licenses of each offer to buy (and a name, if you like): each becomes a new subscription, billed monthly. You see the cost before anything is bought.
order-range = { $min } to { $max } licenses
order-licenses-of = Licenses of { $offer }
order-name-of = Friendly name for { $offer }
order-review = Review the order
order-review-title = New subscriptions
order-new-subscriptions = New subscriptions
order-no-price = No price in the price list
order-cost = Each new subscription is free until { $date }; then each month is billed in advance: { $total } on { $date } for the subscriptions with a price.
order-held-by-you = This customer already has { $offer } from you.
order-held-elsewhere = This customer already has { $offer } from another channel.
order-changed = This customer's subscriptions changed since this review (another order was placed). Here is the review again: check it before you confirm.
order-confirm = Confirm the order
order-placed-title = Order placed
order-placed-lede = Order { $id }, placed { $time }.
order-done = The new subscriptions are active.
order-error-empty = Enter the licenses of at least one offer.
order-error-offer = This offer is not in the catalog.
order-error-name = Enter a name of up to 100 characters without control characters.
signup-error-prefix-empty = Enter the domain prefix.
signup-error-prefix-long = Use at most 27 letters and digits.
signup-error-prefix-characters = Use only the letters a-z and the digits 0-9.
signup-error-company = Enter the company name (up to 256 characters).
signup-error-name = Enter the contact's name (up to 64 characters).
signup-error-email = Enter an e-mail address such as name@example.com.
signup-error-phone = Enter a phone number of 5 to 20 digits.
signup-error-province = Choose a province, municipality or region of China.
signup-error-city = Enter the city.
signup-error-address = Enter the address.
signup-error-postal = Enter the 6-digit postal code.
signup-error-language = Choose Chinese or English.
signup-add = Add customer
signup-title = Add customer
signup-lede = A new customer with its tenant { "{" }prefix{ "}" }.partner.onmschina.cn: you hold delegated admin privileges, and its first admin's password is shown once.
signup-company-name = Company name
signup-prefix = Domain prefix
signup-last-name = Contact's family name
signup-first-name = Contact's given name
signup-email = Contact's e-mail
signup-phone = Contact's phone
signup-province = Province, municipality or region
signup-city = City
signup-address-line = Address
signup-postal-code = Postal code
signup-language = Language
signup-choose = Choose…
signup-check = Check availability
signup-free = { $domain } is available.
signup-taken = { $domain } is taken: choose another prefix.
signup-review = Review
signup-review-lede = Check the new customer before you confirm.
signup-domain = Domain
signup-admin = First admin
signup-contact = Contact
signup-address = Address
signup-dap = Delegated admin privileges
signup-dap-yes = Yes, yours
signup-confirm = Create the customer
signup-created = The customer is created.
signup-password = Password
signup-password-once = Copy the password now and give it to the customer's admin: it is shown only here, and kept only as a hash.
signup-lang-zh = 中文
signup-lang-en = English

# issue 32 (loose ends: reactivation, the command line's records, tokens of a user who must enroll)
users-reactivate = Reactivate
users-reactivate-of = Reactivate { $email }
users-reactivate-hint = They sign in again with their password. Their sessions and API tokens ended at deactivation stay ended: they make new tokens.
users-done-reactivated = The user was reactivated: they can sign in again with their password. The sessions and API tokens ended at deactivation stay ended.
activity-user-reactivated = User reactivated
activity-via-command-line = through the command line
activity-by-command-line = No one signed in
security-required-tokens = Until then, your API tokens are refused too (403); they work again once it is set up.
# issue 31 (new customers and orders, what was left)
activity-customer-created = Added a customer
activity-action-new-customers = New customers
# issue 33 (webhooks: test events throttled)
notifications-test-wait = You sent { $burst } test events in the last minute: wait { $seconds } s before sending another.
# issue 32 (a second person's approval)
nav-approvals = Approvals
nav-approvals-waiting = { $count } waiting for your decision
activity-approval-requested = Approval requested
activity-approval-approved = Approved the request of
activity-approval-rejected = Rejected the request of
activity-approval-withdrawn = Request for approval withdrawn
approvals-title = Approvals
approvals-lede = Changes above your reseller's thresholds wait here for a second person's approval: a global admin or an admin agent other than the one who asked.
approvals-waiting = Waiting for your decision
approvals-none-waiting = No request waits for your decision.
approvals-mine = Your requests
approvals-none-mine = You have made no request for approval.
approvals-change = Change
approvals-subscription = Customer and subscription
approvals-requester = Requested by
approvals-requested-at = Requested
approvals-cost = This period's cost
approvals-cost-unknown = No figure (no price, or billed annually)
approvals-expires = Expires
approvals-state = State
approvals-state-pending = Waiting for approval
approvals-state-approving = Being approved
approvals-state-approved = Approved and made
approvals-state-rejected = Rejected
approvals-state-withdrawn = Withdrawn
approvals-state-stale = Not made: changed since the review
approvals-state-expired = Expired
approvals-request-title = Request for approval
approvals-request-lede = Requested by { $who }. { $state }.
approvals-decided-by = Decided by
approvals-note = Note
approvals-result-link = See the change made
approvals-stale-text = The subscription or the price list changed after the review, so nothing was changed. Whoever asked reviews the change again, and asks again if it is still needed.
approvals-stale-notice = The subscription or the price list changed since this change was reviewed: it was not made, and nothing was written. The requester must review it again.
approvals-expired-text = Nobody decided this request within 7 days: it expired, and nothing was changed.
approvals-approve = Approve
approvals-reject = Reject
approvals-withdraw = Withdraw request
approvals-note-label = Note (needed to reject)
approvals-note-hint = Say why, for the one who asked. At most 500 characters.
approvals-note-empty = Write a note to say why the request is rejected.
approvals-note-long = A note holds at most 500 characters.
approvals-own = This is your own request: another global admin or admin agent approves or rejects it.
approvals-request = Request approval
approvals-request-hint = This change costs more this period than your reseller's threshold: it is held, exactly as reviewed, until a global admin or an admin agent approves it. Nothing changes until then.
approvals-settings-title = Approvals
approvals-settings-on = Changes above these thresholds wait for a second person's approval.
approvals-settings-off = Off: no change waits for approval.
approvals-settings-cost = A change costing more than this this period (¥)
approvals-settings-cost-hint = The review's figure for this period. Empty: off.
approvals-settings-rows = A bulk job of more rows than this
approvals-settings-rows-hint = Empty: off.
approvals-settings-cost-error = Enter an amount of yuan with at most two decimals, from 0 to 100,000,000, or leave it empty.
approvals-settings-rows-error = Enter a whole number of rows from 0 to 1,000,000, or leave it empty.
approvals-settings-admin-only = Global admins set the thresholds of approval.
approvals-jobs = Bulk jobs waiting for approval
approvals-job = Bulk job
approvals-rows = Rows
approvals-job-hint = This job has more rows than your reseller's threshold: it waits, exactly as reviewed, until a global admin or an admin agent approves it. No row runs until then.
approvals-job-waiting = Waiting for a second person's approval: requested by { $who } on { $date }. No row runs until it is approved.
bulk-job-approval = Waiting for approval
approvals-cost-short = Cost

# issue 31 (reviews of a new customer and of an order at their own address)
signup-review-expired-text = It was not confirmed in time, and no customer was made. Start again from the form.
signup-review-expired-link = Add customer
order-review-expired-text = It was not confirmed in time, and nothing was ordered. Start again from the form.
order-review-expired-link = Add subscription
