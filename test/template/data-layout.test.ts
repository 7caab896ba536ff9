import { describe, expect, it } from '@jest/globals';
import { FUNCTIONS } from '../../functions/factories';
import { DEFAULT_LAYOUT } from '../../lib/land/plan';
import { DEFAULT_MOVE_LAYOUT } from '../../lib/reports/move';
import { packagedTemplates, resourceById } from '../support/template';

const templates = packagedTemplates();

/** Every place in a template a prefix stands, as `resource id: text` lines (strings inside any value). */
function placesOf(template: object, text: string): string[] {
  const places: string[] = [];
  for (const [id, resource] of Object.entries((template as { Resources: object }).Resources)) {
    const json = JSON.stringify(resource);
    if (json.includes(text)) places.push(id);
  }
  return places.sort();
}

/** The resources that must follow the data layout: landing, its IAM, the crawler, the workflow, the bucket. */
const LAYOUT_USERS = [
  'LandTicksLambdaFunction',
  'LandTicksRole',
  'MoveTicksLambdaFunction',
  'MoveTicksRole',
  'ReportsStateMachine',
  'ReportsStateMachineRole',
  'TicksCrawler',
  'TicksCrawlerRole',
];

describe('the data layout is defined once (serverless.yml custom.data)', () => {
  it('puts the raw and quarantine prefixes in every resource that uses them', () => {
    expect(placesOf(templates.dev, 'raw/stock_ticks')).toEqual(LAYOUT_USERS);
    // The quarantine expires by the bucket's lifecycle rule, and its alarm says where to look.
    expect(placesOf(templates.dev, 'quarantine/stock_ticks')).toEqual([
      'DataBucket',
      'LandTicksLambdaFunction',
      'LandTicksRole',
      'TicksQuarantinedAlarm',
    ]);
  });

  it('puts the columnar prefix in its table, the roles that write and drop its parts; the archive in moveTicks only', () => {
    expect(placesOf(templates.dev, 'columnar/stock_ticks')).toEqual([
      'ColumnarTicksTable',
      'MoveTicksRole',
      'ReportsStateMachineRole',
    ]);
    expect(placesOf(templates.dev, 'archive/stock_ticks')).toEqual([
      'MoveTicksLambdaFunction',
      'MoveTicksRole',
    ]);
  });

  it('moves every one of them when the stage changes the roots, leaving no old prefix behind', () => {
    const { layout } = templates;
    expect(placesOf(layout, 'raw/stock_ticks')).toEqual([]);
    expect(placesOf(layout, 'quarantine/stock_ticks')).toEqual([]);
    expect(placesOf(layout, 'columnar/stock_ticks')).toEqual([]);
    expect(placesOf(layout, 'archive/stock_ticks')).toEqual([]);
    expect(placesOf(layout, 'refined/stock_ticks')).toEqual(placesOf(templates.dev, 'columnar/stock_ticks'));
    expect(placesOf(layout, 'moved/stock_ticks')).toEqual(placesOf(templates.dev, 'archive/stock_ticks'));
    expect(placesOf(layout, 'landing/stock_ticks')).toEqual(placesOf(templates.dev, 'raw/stock_ticks'));
    expect(placesOf(layout, 'rejected/stock_ticks')).toEqual(
      placesOf(templates.dev, 'quarantine/stock_ticks'),
    );
    expect(resourceById(layout, 'LandTicksLambdaFunction').Properties).toMatchObject({
      Environment: {
        Variables: { RAW_PREFIX: 'landing/stock_ticks', QUARANTINE_PREFIX: 'rejected/stock_ticks' },
      },
    });
  });

  it("keeps landing's and moving's default layouts (tests and local tools without a stage) equal to the deployed ones", () => {
    expect(resourceById(templates.dev, 'LandTicksLambdaFunction').Properties).toMatchObject({
      Environment: {
        Variables: {
          RAW_PREFIX: DEFAULT_LAYOUT.rawPrefix,
          QUARANTINE_PREFIX: DEFAULT_LAYOUT.quarantinePrefix,
        },
      },
    });
    expect(resourceById(templates.dev, 'MoveTicksLambdaFunction').Properties).toMatchObject({
      Environment: {
        Variables: {
          RAW_PREFIX: DEFAULT_MOVE_LAYOUT.rawPrefix,
          ARCHIVE_PREFIX: DEFAULT_MOVE_LAYOUT.archivePrefix,
          MOVES_PREFIX: DEFAULT_MOVE_LAYOUT.movesPrefix,
        },
      },
    });
  });

  it('gives the local stack a factory for every function the template deploys', () => {
    const deployed = Object.entries(templates.dev.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id]) => id.replace(/LambdaFunction$/, ''))
      .sort();
    const built = Object.keys(FUNCTIONS)
      .map((name) => name[0]?.toUpperCase() + name.slice(1))
      .sort();
    expect(built).toEqual(deployed);
  });
});
