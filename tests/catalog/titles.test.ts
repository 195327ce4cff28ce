import { describe, expect, it } from 'vitest';
import { normalizeTitle, titleVariants } from '../../src/catalog/titles.ts';

describe('normalizeTitle', () => {
  it.each([
    ['Matrix, The', 'The Matrix', 'matrix'],
    ['AMÉLIE', 'Amelie', 'amelie'],
    ["L'Avventura", 'Avventura, L\'', 'avventura'],
    ['Dumb & Dumber', 'Dumb and Dumber', 'dumb and dumber'],
    ["Things to Do in Denver When You're Dead", 'Things to do in Denver when Youre Dead', 'things to do in denver when youre dead'],
    ['Halloween:  The Curse of Michael Myers', 'Halloween - The Curse of Michael Myers', 'halloween the curse of michael myers'],
  ])('GIVEN %j and %j THEN both are %j', (a, b, expected) => {
    expect(normalizeTitle(a)).toBe(expected);
    expect(normalizeTitle(b)).toBe(expected);
  });

  it('GIVEN a title that is only an article or short THEN it is kept', () => {
    expect(normalizeTitle('Up')).toBe('up');
    expect(normalizeTitle('M')).toBe('m');
    expect(normalizeTitle('300')).toBe('300');
  });
});

describe('titleVariants', () => {
  it('GIVEN an alternative title in parentheses THEN the film is known by either', () => {
    expect(titleVariants('Celebration, The (Festen)')).toEqual(['celebration festen', 'celebration', 'festen']);
    expect(titleVariants('Seven (a.k.a. Se7en)')).toEqual(['seven se7en', 'seven', 'se7en']);
    expect(titleVariants('Pan\'s Labyrinth (Laberinto del fauno, El)')).toContain(normalizeTitle('El Laberinto del Fauno'));
  });

  it('GIVEN a plain title THEN it has one variant', () => {
    expect(titleVariants('The Matrix')).toEqual(['matrix']);
  });
});
