import { DOMAIN_HYPERVISOR } from '../../model/schema.js';

/**
 * Which Xen domain an opreport image belongs to (FORMATS.md §4.7). xenoprof names images, not
 * domains, so the mapping goes by name:
 *
 * | image (basename)                        | role        | samples.domain |
 * | `xen-syms`, `xen-syms-<version>[.debug]` | hypervisor  | DOMAIN_HYPERVISOR (0x7fff) |
 * | `domain<N>-apps/-modules/-kernel/-xen/-xen-unknown` (any `domain<N>-<word>`) | passive domain N | N |
 * | anything else (`vmlinux*`, `no-vmlinux`, `*.ko`, `/proc/kallsyms`, user binaries) | local | the sampled domain |
 *
 * `domain<N>-xen*` is Xen code run on behalf of passive domain N: it keeps N, because that
 * attribution exists nowhere else; its image name still says it is hypervisor code.
 * "Local" images belong to the domain whose opreport this is, which the text never states:
 * xenoprof's daemon runs in dom0 (active domUs are rare and print their own report), so once a
 * report shows any Xen image the local ones are taken as dom0; a report with no Xen image is
 * plain OProfile and its domain stays unknown (-1). The parser records this in meta.header.
 */
export type ImageRole = 'hypervisor' | 'passive' | 'local';

const PASSIVE = /^domain(\d+)-[a-z][a-z-]*$/;
const HYPERVISOR = /^xen-syms(?:$|[-_.])/;

export function basename(image: string): string {
  const slash = image.lastIndexOf('/');
  return slash >= 0 ? image.slice(slash + 1) : image;
}

export interface ImageDomain {
  role: ImageRole;
  /** The domain for hypervisor and passive images; -1 for local ones (decided per report). */
  domain: number;
}

export function imageDomain(image: string): ImageDomain {
  const base = basename(image);
  if (HYPERVISOR.test(base)) return { role: 'hypervisor', domain: DOMAIN_HYPERVISOR };
  const passive = PASSIVE.exec(base);
  if (passive !== null) return { role: 'passive', domain: Number(passive[1]) };
  return { role: 'local', domain: -1 };
}

/** The domain of local images once the whole input is seen (see above). */
export function localDomain(sawXenImage: boolean): number {
  return sawXenImage ? 0 : -1;
}
