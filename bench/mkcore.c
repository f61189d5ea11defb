/*
 * mkcore.c - synthesize an x86_64 ELF core for the benchmarks.
 *
 * usage: mkcore OUT NSEG SEGSIZE
 *
 * NSEG PT_LOAD segments of SEGSIZE bytes each, every one with its
 * contents in the file (p_filesz = p_memsz), an NT_FILE note naming a
 * file for every other segment, a thread and the usual notes.  The
 * contents are left as a hole, so a 4 GiB core costs no disk space.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
put(unsigned char *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int
main(int argc, char **argv)
{
	uint64_t nseg, segsize, notesz, filesz, nfiles, off, data;
	unsigned char *buf;
	size_t hdr, ntf, i;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: mkcore OUT NSEG SEGSIZE\n");
		return 2;
	}
	nseg = strtoull(argv[2], NULL, 0);
	segsize = strtoull(argv[3], NULL, 0);
	nfiles = nseg / 2;
	/* NT_FILE: count, page size, entries, names "/usr/lib/libNNNNNN.so" */
	ntf = 16 + nfiles * 24 + nfiles * 22;
	notesz = 20 + 336 + 20 + 136 + 20 + ((ntf + 3) & ~(size_t)3);
	hdr = 64 + (nseg + 1) * 56;
	data = (hdr + notesz + 4095) & ~(uint64_t)4095;
	filesz = data + nseg * segsize;
	buf = calloc(1, hdr + notesz);
	if (buf == NULL)
		return 1;
	memcpy(buf, "\177ELF\2\1\1", 7);
	put(buf + 16, 4, 2);
	put(buf + 18, 62, 2);
	put(buf + 20, 1, 4);
	put(buf + 32, 64, 8);
	put(buf + 52, 64, 2);
	put(buf + 54, 56, 2);
	put(buf + 56, nseg + 1 > 0xffff ? 0xffff : nseg + 1, 2);
	put(buf + 64, 4, 4);
	put(buf + 64 + 8, hdr, 8);
	put(buf + 64 + 32, notesz, 8);
	put(buf + 64 + 48, 4, 8);
	for (i = 0; i < nseg; i++) {
		unsigned char *ph = buf + 64 + (i + 1) * 56;

		put(ph, 1, 4);
		put(ph + 4, i % 2 ? 6 : 5, 4);
		put(ph + 8, data + i * segsize, 8);
		put(ph + 16, 0x10000000 + i * (segsize + 4096), 8);
		put(ph + 32, segsize, 8);
		put(ph + 40, segsize, 8);
		put(ph + 48, 4096, 8);
	}
	off = hdr;
	/* NT_PRSTATUS: tid 1, sp and pc in the first segments. */
	put(buf + off, 5, 4);
	put(buf + off + 4, 336, 4);
	put(buf + off + 8, 1, 4);
	memcpy(buf + off + 12, "CORE", 5);
	put(buf + off + 20 + 32, 1, 4);
	put(buf + off + 20 + 112 + 16 * 8, 0x10000010, 8);
	put(buf + off + 20 + 112 + 19 * 8, 0x10000000 + segsize + 4096 + 64, 8);
	off += 20 + 336;
	put(buf + off, 5, 4);
	put(buf + off + 4, 136, 4);
	put(buf + off + 8, 3, 4);
	memcpy(buf + off + 12, "CORE", 5);
	put(buf + off + 20 + 24, 1, 4);
	memcpy(buf + off + 20 + 40, "bench", 5);
	memcpy(buf + off + 20 + 56, "bench core", 10);
	off += 20 + 136;
	put(buf + off, 5, 4);
	put(buf + off + 4, ntf, 4);
	put(buf + off + 8, 0x46494c45, 4);
	memcpy(buf + off + 12, "CORE", 5);
	off += 20;
	put(buf + off, nfiles, 8);
	put(buf + off + 8, 4096, 8);
	for (i = 0; i < nfiles; i++) {
		uint64_t va = 0x10000000 + 2 * i * (segsize + 4096);

		put(buf + off + 16 + i * 24, va, 8);
		put(buf + off + 16 + i * 24 + 8, va + segsize, 8);
		put(buf + off + 16 + i * 24 + 16, 0, 8);
		snprintf((char *)buf + off + 16 + nfiles * 24 + i * 22, 22,
			 "/usr/lib/lib%06zu.so", i % 1000);
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, hdr + notesz) != (ssize_t)(hdr + notesz) ||
	    ftruncate(fd, (off_t)filesz) < 0) {
		perror(argv[1]);
		return 1;
	}
	close(fd);
	free(buf);
	return 0;
}
