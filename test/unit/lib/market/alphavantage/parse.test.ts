import { describe, expect, it } from '@jest/globals';
import { parseGlobalQuote, parseOverview } from '../../../../../lib/market/alphavantage/parse';
import { MarketUnknownSymbolError } from '../../../../../lib/market/errors';
import { fixture } from '../../../../../local/pipeline/alphavantage-fixtures';

/** Answers the provider gave, recorded by public client libraries (provider/README.md says which). */
const provider = (name: string) => fixture(`provider/${name}`);

describe('GLOBAL_QUOTE as the provider answers it', () => {
  it('reads a recorded quote: the price and the session it belongs to, all from strings', () => {
    expect(parseGlobalQuote('MSFT', provider('global-quote-msft.json'))).toEqual({
      price: 112.13,
      latestTradingDay: '2018-10-05',
      delayed: false,
    });
  });

  it('reads a delayed quote from the key entitlement=delayed answers under, and says it is delayed', () => {
    expect(parseGlobalQuote('MSFT', provider('global-quote-msft-delayed.json'))).toEqual({
      price: 112.13,
      latestTradingDay: '2018-10-05',
      delayed: true,
    });
  });

  it('takes the empty quote the provider gives an unknown symbol for what it is', () => {
    expect(() => parseGlobalQuote('ZZZZ', provider('global-quote-unknown.json'))).toThrow(
      MarketUnknownSymbolError,
    );
  });
});

describe('OVERVIEW as the provider answers it', () => {
  it('reads the exchange, market capitalization and P/E of a recorded overview', () => {
    expect(parseOverview('IBM', provider('overview-ibm.json'))).toEqual({
      exchange: 'NYSE',
      marketCap: 114_234_572_800,
      peRatio: 14.1327,
    });
  });

  it('reads the provider\'s "None" and "-" as no value', () => {
    expect(parseOverview('IBM', provider('overview-ibm-none-values.json'))).toEqual({
      exchange: 'NYSE',
      marketCap: null,
      peRatio: null,
    });
  });

  it('takes the {} an unknown symbol gets for what it is', () => {
    expect(() => parseOverview('ZZZZ', provider('overview-unknown.json'))).toThrow(MarketUnknownSymbolError);
  });
});
