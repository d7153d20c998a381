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
no-additional-services = no additional services
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
settings-admin-only = Only your reseller's administrators can change the billing day.
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
bulk-file-hint = Start from the subscriptions export, add the columns Action, Target offer ID and Quantity, and keep the rows to change. Other columns are ignored.
bulk-file-choose = Choose a CSV file
bulk-file-rows = Rows
bulk-file-rows-hint = The file's text, or rows pasted from a spreadsheet with their header row.
bulk-jobs-title = Jobs
bulk-jobs-none = No bulk changes yet.
bulk-waiting-title = Waiting for review
bulk-waiting-hint = Written but neither confirmed nor discarded: open one to confirm or discard it. Up to { $max } can wait at a time; one not confirmed within { $hours } hours is discarded.
bulk-job = Job
bulk-what = What it does
bulk-count-succeeded = Done
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
bulk-state-succeeded = Done
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
charges-totals-updating = These totals are from before the latest change; new ones are being worked out. Reload in a moment.
charges-paged = The subscriptions are listed 50 at a time, customer by customer; the totals above are the whole invoice's.
charges-page-total = Total of this page
charges-first-page = First page
charges-totals-first = The invoice's totals are being worked out over your whole book. Reload in a moment.
subscriptions-first-page = Newest subscriptions
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
