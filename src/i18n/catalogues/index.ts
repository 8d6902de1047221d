import audit from './audit.ts';
import auth from './auth.ts';
import blog from './blog.ts';
import cli from './cli.ts';
import common from './common.ts';
import hostile from './hostile.ts';
import mailings from './mailings.ts';
import messages from './messages.ts';
import ops from './ops.ts';
import recipients from './recipients.ts';
import sending from './sending.ts';
import stats from './stats.ts';
import type { Catalogue } from './types.ts';
import users from './users.ts';

/** Every area's catalogue; an area is the part of Herald one file of texts serves. */
export const areas: Record<string, Catalogue> = {
  common,
  auth,
  recipients,
  messages,
  mailings,
  sending,
  stats,
  users,
  blog,
  audit,
  cli,
  ops,
  hostile,
};

export const catalogues: Catalogue = {
  en: Object.assign({}, ...Object.values(areas).map((area) => area.en)),
  ru: Object.assign({}, ...Object.values(areas).map((area) => area.ru)),
};
