/** The part of npm sentiment (5.x, no bundled types) the selection benchmark uses. */
declare module 'sentiment' {
  export default class Sentiment {
    analyze(text: string): { score: number; comparative: number };
  }
}
