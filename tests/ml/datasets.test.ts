import { describe, expect, it } from 'vitest';
import { DataFormatError, parseCsvRecord } from '../../src/ml/csv.ts';
import { parseRatings, readRatingsFile } from '../../src/ml/datasets.ts';
import { SHARED_DATA_FILES } from '../../src/ml/shared-data.ts';
import { missingSharedData } from './shared-data.ts';

describe('parseRatings', () => {
  it('reads ml100k tab-separated lines and maps raw ids to dense indices in order of appearance', () => {
    const ds = parseRatings('196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n', 'ml100k', 'u.data');
    expect(ds.userIds).toEqual(['196', '186']);
    expect(ds.itemIds).toEqual(['242', '302', '377']);
    expect([...ds.users]).toEqual([0, 1, 0]);
    expect([...ds.items]).toEqual([0, 1, 2]);
    expect([...ds.ratings]).toEqual([3, 3, 1]);
    expect(ds.timestamps[0]).toBe(881250949 * 1000);
    expect(ds.scale).toEqual({ min: 1, max: 5 });
  });

  it('reads MovieLens CSV with CRLF endings and half stars', () => {
    const ds = parseRatings('userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,3,0.5,964981247\r\n2,1,2.5,964982224', 'mlcsv', 'ratings.csv');
    expect(ds.userIds).toEqual(['1', '2']);
    expect([...ds.ratings]).toEqual([4, 0.5, 2.5]);
    expect(ds.scale.min).toBe(0.5);
  });

  it('reads ml1m double-colon lines', () => {
    const ds = parseRatings('1::1193::5::978300760\n1::661::3::978302109\n', 'ml1m', 'ratings.dat');
    expect(ds.itemIds).toEqual(['1193', '661']);
    expect([...ds.ratings]).toEqual([5, 3]);
  });

  it('reads feelms ratings by header name, with string ids and ISO times', () => {
    const text = 'rating,at,emotion,movieId,userId\n5,2024-03-01T10:00:00Z,happy,vega:12,17\n2,2024-03-02T11:30:00.000Z,,imdb:tt001,u-9\n';
    const ds = parseRatings(text, 'feelms', 'ratings.csv');
    expect(ds.userIds).toEqual(['17', 'u-9']);
    expect(ds.itemIds).toEqual(['vega:12', 'imdb:tt001']);
    expect([...ds.ratings]).toEqual([5, 2]);
    expect(ds.timestamps[1]).toBe(Date.parse('2024-03-02T11:30:00.000Z'));
  });

  it.each([
    ['ml100k', '1\t2\t3\t4\n1\t2\t3\n', 'u.data:2: expected 4 fields'],
    ['ml100k', '1\t2\t6\t4\n', 'u.data:1: rating "6"'],
    ['ml100k', '1\t2\tx\t4\n', 'u.data:1: rating "x"'],
    ['ml100k', '1\t2\t3\tyesterday\n', 'u.data:1: timestamp "yesterday"'],
    ['ml1m', '1::2::3::4\n\n1::2::3\n', 'u.data:3: expected 4 fields'],
    ['mlcsv', 'userId,movieId,rating,timestamp\n1,2,3,4\n1,2,,4\n', 'u.data:3: rating ""'],
    ['mlcsv', 'userId,movieId,stars,timestamp\n1,2,3,4\n', 'u.data:1: missing column "rating"'],
    ['feelms', 'userId,movieId,rating,at\n1,vega:1,4,last tuesday\n', 'u.data:2: time "last tuesday"'],
    ['feelms', 'userId,movieId,rating,at\n1,vega:1,4\n', 'u.data:2: expected 4 fields'],
    ['ml100k', '', 'u.data:1: no ratings'],
  ] as const)('rejects bad %s input with file and line: %j', (format, text, message) => {
    expect(() => parseRatings(text, format, 'u.data')).toThrow(DataFormatError);
    expect(() => parseRatings(text, format, 'u.data')).toThrow(message);
  });
});

describe('parseCsvRecord', () => {
  it('handles quoted fields with commas and doubled quotes', () => {
    expect(parseCsvRecord('1,"Crime, Drama","say ""hi""",')).toEqual(['1', 'Crime, Drama', 'say "hi"', '']);
    expect(() => parseCsvRecord('1,"open')).toThrow('unterminated');
  });
});

describe.skipIf(missingSharedData('ml100k'))('MovieLens 100K from ../shared/data', () => {
  it('has the documented counts', async () => {
    const ds = await readRatingsFile(SHARED_DATA_FILES.ml100k, 'ml100k');
    expect(ds.ratings.length).toBe(100_000);
    expect(ds.userIds.length).toBe(943);
    expect(ds.itemIds.length).toBe(1682);
  });
});

describe.skipIf(missingSharedData('mlLatestSmall'))('MovieLens latest-small from ../shared/data', () => {
  it('has the documented counts', async () => {
    const ds = await readRatingsFile(SHARED_DATA_FILES.mlLatestSmall, 'mlcsv');
    expect(ds.ratings.length).toBe(100_836);
    expect(ds.userIds.length).toBe(610);
    expect(ds.itemIds.length).toBe(9724);
  });
});

