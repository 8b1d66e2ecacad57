/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from Debian's dataset-fashion-mnist: IDX files,
 * gzip-compressed, read at bench time and never copied into the repository. apt-get installs the
 * package where it is missing, as fasttext-peer.ts does for fastText.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Where the Debian package puts the files. */
export const FASHION_MNIST_FOLDER = '/usr/share/datasets/fashion-mnist';

/** The ten classes, in label order. */
export const FASHION_MNIST_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/** Images as one row-major count × pixels matrix scaled to [0, 1], and their labels. */
export interface ImageSet { count: number; pixels: number; images: Float32Array; labels: Uint8Array }

const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

const present = (): boolean => FILES.every((file) => existsSync(path.join(FASHION_MNIST_FOLDER, file)));

/** The data folder, installing dataset-fashion-mnist with apt-get where missing; null when impossible. */
export function ensureFashionMnist(): string | null {
  if (present()) return FASHION_MNIST_FOLDER;
  process.stderr.write('Fashion-MNIST is missing: trying apt-get install -y dataset-fashion-mnist\n');
  spawnSync('sh', ['-c', 'apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1)'], { stdio: 'inherit' });
  return present() ? FASHION_MNIST_FOLDER : null;
}

/** Reads one gzip'd IDX file of unsigned bytes: its dimensions (big-endian u32) and data. */
export function readIdx(file: string): { dimensions: number[]; data: Uint8Array } {
  const bytes = gunzipSync(readFileSync(file));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Magic: two zero bytes, the type code (0x08 = unsigned byte), the number of dimensions.
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) throw new Error(`${file}: not an IDX file of unsigned bytes`);
  const rank = bytes[3] as number;
  const dimensions = Array.from({ length: rank }, (_, index) => view.getUint32(4 + 4 * index, false));
  const start = 4 + 4 * rank;
  const length = dimensions.reduce((product, size) => product * size, 1);
  if (bytes.length !== start + length) throw new Error(`${file}: ${bytes.length - start} data bytes, expected ${length}`);
  return { dimensions, data: bytes.subarray(start) };
}

/** One split (`train` or `t10k`) as an ImageSet. */
function readSplit(folder: string, split: 'train' | 't10k'): ImageSet {
  const images = readIdx(path.join(folder, `${split}-images-idx3-ubyte.gz`));
  const labels = readIdx(path.join(folder, `${split}-labels-idx1-ubyte.gz`));
  const [count = 0, rows = 0, columns = 0] = images.dimensions;
  if (labels.dimensions[0] !== count) throw new Error(`${split}: ${count} images but ${labels.dimensions[0]} labels`);
  const scaled = new Float32Array(images.data.length);
  for (let index = 0; index < scaled.length; index++) scaled[index] = (images.data[index] as number) / 255;
  return { count, pixels: rows * columns, images: scaled, labels: Uint8Array.from(labels.data) };
}

/** The 60,000 training and 10,000 test images. */
export function loadFashionMnist(folder: string = FASHION_MNIST_FOLDER): { train: ImageSet; test: ImageSet } {
  return { train: readSplit(folder, 'train'), test: readSplit(folder, 't10k') };
}

/** Examples `start` to `end` of a set (views, no copy). */
export function sliceImages(set: ImageSet, start: number, end: number): ImageSet {
  return { count: end - start, pixels: set.pixels, images: set.images.subarray(start * set.pixels, end * set.pixels), labels: set.labels.subarray(start, end) };
}
