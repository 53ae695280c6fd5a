// The data planes' budget ledger API (role dataplane): reserve (all-or-nothing,
// each item may ask for a local slice), settle (report and return leases,
// charge alert policies), renew (keep this data plane's leases alive).
import { Router } from 'express';
import type { Services } from '../services';

export function budgetLedgerRoutes({ budgetLedger }: Services): Router {
  const r = Router();
  r.post('/dataplane/budget/reserve', async (req, res) => {
    res.json(await budgetLedger.reserve(req.body.dataplaneId, req.body.items));
  });
  r.post('/dataplane/budget/settle', async (req, res) => {
    res.json(await budgetLedger.settle(req.body.dataplaneId, req.body.leases ?? [], req.body.charges ?? []));
  });
  r.post('/dataplane/budget/renew', async (req, res) => {
    res.json(await budgetLedger.renew(req.body.dataplaneId));
  });
  return r;
}
