import { EvidenceList, type Rule, type Verdict } from './rule.js';

const KIND_NAME = { vmotion: 'vMotion', cold: 'Cold migration', udt: 'UDT migration' } as const;

/**
 * gateway.crossing: for each migration, did its data cross a router? Routed evidence on any flow
 * makes it cross (warn, or fail where the policy forbids that kind); MAC adjacency on every flow
 * with nothing routed proves the bypass (pass); anything else is undecided (info).
 */
export const gatewayRule: Rule = {
  id: 'gateway.crossing',
  category: 'gateway',
  check(ctx) {
    const out: Verdict[] = [];
    for (const m of ctx.migrations) {
      const r = m.record;
      const paths = m.flows.map((f) => ctx.paths.get(f)!);
      const crossing = paths.some((p) => p.routed === true);
      const proven = !crossing && paths.every((p) => p.routed === false);
      const gateways = [...new Set(paths.flatMap((p) => (p.gateway === null ? [] : p.gateway.split(', '))))];
      // Evidence that supports the verdict first, then the rest.
      const evidence = new EvidenceList();
      let routedFlows = 0;
      for (const p of paths) {
        if (p.routed === true) routedFlows++;
        for (const e of p.evidence) if (e.routed === crossing) evidence.add(e);
      }
      for (const p of paths) for (const e of p.evidence) if (e.routed !== crossing) evidence.add(e);
      const name = `${KIND_NAME[r.kind]} ${r.id} ${r.sourceHost} → ${r.destHost}`;
      if (crossing) {
        const counted = ctx.policy.gateways === null || gateways.some((g) => ctx.policy.gateways!.includes(g));
        const forbidden = ctx.policy.forbidGatewayCrossing.has(r.kind) && counted;
        out.push({
          status: forbidden ? 'fail' : 'warn',
          title: `${name}: migration data crossed ${gateways.length > 0 ? `gateway ${gateways.join(', ')}` : 'a router'}`,
          detail: `${routedFlows} of ${paths.length} flow(s) show the data was routed (a gateway's MAC, a TTL below ESXi's 64, or vmks in different subnets).${forbidden ? ` The policy (${ctx.policy.source}) forbids ${r.kind} data across ${ctx.policy.gateways ? ctx.policy.gateways.join(', ') : 'gateways'}.` : ' Migration data that crosses a gateway appliance passes through whatever that appliance inspects or logs.'}`,
          flows: r.flows,
          evidence,
        });
      } else if (proven) {
        out.push({
          status: 'pass',
          title: `${name}: no gateway on the path (L2 adjacency shown)`,
          detail: 'Every flow was addressed to the peer vmk\'s own MAC (or carried the sender\'s own MAC), and nothing shows a router: no gateway MAC, TTL unchanged where ESXi sent it. A transparent (bump-in-the-wire) device changes neither MACs nor TTL: this rules out an L3 hop, not an inline L2 device.',
          flows: r.flows,
          evidence,
        });
      } else {
        out.push({
          status: 'info',
          title: `${name}: whether it crossed a gateway cannot be decided`,
          detail: ctx.inferred
            ? 'Without an inventory the vmks\' MACs and subnets are unknown; only TTLs can be read. Give --inventory (with vmk MACs and the gateways) to decide.'
            : 'The capture shows neither the peer vmks\' MACs nor a gateway\'s. Add the vmks\' MACs and the gateways (IPs and MACs) to the inventory, or capture where the frames carry them.',
          flows: r.flows,
          evidence,
        });
      }
    }
    return out;
  },
};
