// Accessibility violations that axe finds in the portal today and that are not fixed yet.
//
// Each entry matches one axe rule on some elements only, narrowly. A matching serious or
// critical violation is printed on every run (as a test diagnostic, and in run.sh's closing
// summary) but does not fail the run; any other serious or critical violation does. Set
// E2E_STRICT=1 to make the known ones fail too. accessibility.test.mjs fails when an entry
// matches nothing any more: once the portal is fixed, delete the entry.
export const KNOWN_VIOLATIONS = [
  {
    rule: 'link-in-text-block',
    // Links inside a line of text, told apart from it only by colour (#0b5cab on #201f1e text:
    // 2.45:1, below 3:1) with no underline, because static/css/portal.css sets
    // `a { text-decoration: none; }`:
    //  - the result page's "Details" link after "Keeps N licenses … and stays active" (dd > a),
    //  - "upgrade result" after the action in the activity log and the Details page's change
    //    history (td > a),
    //  - "All customers" in the activity log's filter note (.filter-note > a).
    // Fix: underline links that sit in running text, e.g.
    //   dd a, td a, .filter-note a, .hint a, .reason-fix a { text-decoration: underline; }
    target: /(?:^|\s)(?:dd|td(?::nth-child\(\d+\))?|\.filter-note)\s*>\s*a(?:\[[^\]]*\])?$/,
    html: /^<a href="\/(?:customers\/[^"]+\/(?:subscriptions|upgrades)\/[^"]+|activity)"/,
    note: 'links in text are distinguished by colour alone (static/css/portal.css: a { text-decoration: none })',
  },
];
