import { defineRule } from '../rule.js';
import type { RuleReport } from '../rule.js';
import type { UnfollowedDoBlock } from '../model/schema-model.js';

const WHAT: Record<UnfollowedDoBlock['kinds'][number], string> = {
  condition: 'an IF or CASE whose condition is not a catalog check',
  loop: 'a loop over something other than a literal list',
  'dynamic-sql': 'an EXECUTE of SQL built from values the text does not show',
  body: 'a body the linter cannot read',
};

/** A DO block the model could follow only in part. */
export const doBlockNotFollowed = defineRule({
  id: 'do-block-not-followed',
  meta: {
    severity: 'info',
    description: 'Part of a DO block depends on values the migration text does not show, so what it does to tables, policies and functions is not checked.',
    help: 'Write the statements out, loop over a literal list (FOREACH t IN ARRAY ARRAY[\'a\', \'b\']), or guard them with IF NOT EXISTS (SELECT … FROM pg_…); or accept the note.',
    messages: {
      notFollowed: 'this DO block runs {{what}}{{more}}: its statements there are not applied to the model, so the rules cannot check them',
    },
  },
  check(context) {
    return context.model.unfollowed.map((block): RuleReport => {
      const first = block.kinds[0] ?? 'body';
      const more = block.count > 1 ? ` (and ${block.count - 1} more such place${block.count > 2 ? 's' : ''})` : '';
      return { source: block.source, messageId: 'notFollowed', data: { what: WHAT[first], more } };
    });
  },
});
