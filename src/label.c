/*
 * label.c - what each region is: heap, stacks, guards, vdso, SysV shared
 * memory, memfd ...  It runs after every reader, so a core and a live
 * process are labelled by the same rules.  It reads only the model.
 *
 * Sources of evidence, strongest first: the kernel's own names ("[heap]",
 * "/SYSV...", "/memfd:"), VmFlags, thread stack pointers, and layout
 * (a PROT_NONE page right below a stack is its guard).
 */
#include <string.h>

#include "internal.h"

static int
has_prefix(const char *s, const char *p)
{
	return s != NULL && strncmp(s, p, strlen(p)) == 0;
}

/* Labels the kernel states by name. */
static void
label_by_name(struct vms_region *r)
{
	const char *n = r->name;
	const char *p = r->path;

	if (n != NULL) {
		if (strcmp(n, "[heap]") == 0)
			r->label = VMS_LABEL_HEAP;
		else if (strcmp(n, "[stack]") == 0)
			r->label = VMS_LABEL_STACK;
		else if (strcmp(n, "[vdso]") == 0)
			r->label = VMS_LABEL_VDSO;
		else if (has_prefix(n, "[vvar"))
			r->label = VMS_LABEL_VVAR;
		else if (strcmp(n, "[vsyscall]") == 0)
			r->label = VMS_LABEL_VSYSCALL;
		return;
	}
	if (p == NULL)
		return;
	/* Kernel-internal files live on no block device (major 0). */
	if (has_prefix(p, "/SYSV") && strlen(p) == 13 &&
	    (!(r->has & VMS_HAS_DEVINO) || r->dev_major == 0)) {
		r->label = VMS_LABEL_SYSV_SHM;
		/* The shm file's inode number is the segment's shmid. */
		if (r->has & VMS_HAS_DEVINO)
			r->label_id = r->inode;
	} else if (has_prefix(p, "/memfd:") &&
		   (!(r->has & VMS_HAS_DEVINO) || r->dev_major == 0)) {
		r->label = VMS_LABEL_MEMFD;
	} else if (has_prefix(p, "/anon_hugepage") ||
		   ((r->has & VMS_HAS_VMFLAGS) && (r->vmflags & VMS_VMF(HT)))) {
		r->label = VMS_LABEL_HUGETLB;
	} else if ((has_prefix(p, "/dev/") && !has_prefix(p, "/dev/shm/") &&
		    !vms_region_is_shared_anon(r)) ||
		   ((r->has & VMS_HAS_VMFLAGS) &&
		    (r->vmflags & (VMS_VMF(IO) | VMS_VMF(PF))))) {
		r->label = VMS_LABEL_DEVICE;
	}
}

/* The region holding a thread's stack pointer (sp may sit at the top). */
static struct vms_region *
stack_region(struct vms_map *map, uint64_t sp)
{
	size_t i = vms_map_lower_bound(map, sp);

	if (i < map->nregions && map->regions[i].start <= sp)
		return &map->regions[i];
	if (sp > 0) {
		i = vms_map_lower_bound(map, sp - 1);
		if (i < map->nregions && map->regions[i].start <= sp - 1)
			return &map->regions[i];
	}
	return NULL;
}

/* A PROT_NONE anonymous region right below a stack guards it. */
static void
label_guard(struct vms_map *map, size_t i)
{
	struct vms_region *s = &map->regions[i], *g;

	if (i == 0)
		return;
	g = &map->regions[i - 1];
	if (g->end != s->start || g->label != VMS_LABEL_NONE ||
	    g->path != NULL || g->name != NULL || !(g->has & VMS_HAS_PROT) ||
	    g->prot != 0)
		return;
	g->label = VMS_LABEL_GUARD;
	g->label_id = s->label_id;
}

static void
label_stacks(struct vms_map *map)
{
	int64_t pid = (map->proc.has & VMS_P_PID) ? map->proc.pid : -1;

	for (size_t t = 0; t < map->nthreads; t++) {
		const struct vms_thread *th = &map->threads[t];
		struct vms_region *r;
		int main_thread = (int64_t)th->tid == pid;

		if (!(th->has & VMS_THR_HAS_SP))
			continue;
		r = stack_region(map, th->sp);
		if (r == NULL || r->path != NULL)
			continue;
		if (r->label == VMS_LABEL_STACK)
			continue;
		if (r->label != VMS_LABEL_NONE)
			continue;
		if (main_thread && r->name == NULL) {
			r->label = VMS_LABEL_STACK;
		} else if (!main_thread) {
			r->label = VMS_LABEL_THREAD_STACK;
			r->label_id = th->tid;
		} else {
			continue;
		}
		label_guard(map, (size_t)(r - map->regions));
	}
}

static int
plain_anon(const struct vms_region *r)
{
	return r->path == NULL && r->name == NULL &&
	       r->label == VMS_LABEL_NONE;
}

/*
 * A dump names nothing, so what the kernel would have named is found by
 * layout.  The vdso is where AT_SYSINFO_EHDR points, with the read-only
 * vvar pages right below it; the x86-64 vsyscall page has a fixed
 * address; the heap is the first writable anonymous region above the
 * executable, past its bss (the region that touches the executable's
 * last mapping), within the kernel's brk randomisation: 1 GiB on 64-bit
 * targets, 32 MiB on 32-bit ones.
 */
static void
label_by_layout(struct vms_map *map)
{
	const uint64_t vsyscall = UINT64_C(0xffffffffff600000);
	uint64_t exe_end = 0, window;
	struct vms_region *r;
	size_t i;

	for (i = 0; i < map->nauxv; i++) {
		if (map->auxv[i].type != 33)  /* AT_SYSINFO_EHDR */
			continue;
		r = (struct vms_region *)vms_map_find(map, map->auxv[i].value);
		if (r == NULL || !plain_anon(r))
			continue;
		r->label = VMS_LABEL_VDSO;
		/* The vvar pages sit right below it, read-only. */
		for (size_t k = (size_t)(r - map->regions); k > 0; k--) {
			struct vms_region *v = &map->regions[k - 1];

			if (v->end != map->regions[k].start || !plain_anon(v) ||
			    !(v->has & VMS_HAS_PROT) || v->prot != VMS_PROT_R)
				break;
			v->label = VMS_LABEL_VVAR;
		}
	}
	r = (struct vms_region *)vms_map_find(map, vsyscall);
	if (r != NULL && r->start == vsyscall && plain_anon(r) &&
	    map->arch.machine == 62 /* EM_X86_64 */)
		r->label = VMS_LABEL_VSYSCALL;
	if (map->proc.exe == NULL)
		return;
	for (i = 0; i < map->nregions; i++) {
		r = &map->regions[i];
		if (r->path != NULL && strcmp(r->path, map->proc.exe) == 0 &&
		    r->end > exe_end)
			exe_end = r->end;
		if (r->label == VMS_LABEL_HEAP)
			return;
	}
	if (exe_end == 0)
		return;
	window = map->arch.wordsize == 32 ? UINT64_C(32) << 20 :
					    UINT64_C(1) << 30;
	i = vms_map_lower_bound(map, exe_end);
	/* The bss, when it outgrew the file's last page, touches the file. */
	if (i < map->nregions && map->regions[i].start == exe_end &&
	    plain_anon(&map->regions[i]))
		exe_end = map->regions[i++].end;
	for (; i < map->nregions; i++) {
		r = &map->regions[i];
		if (r->start - exe_end > window)
			break;
		if (!plain_anon(r))
			continue;
		if ((r->has & VMS_HAS_PROT) &&
		    (r->prot & (VMS_PROT_R | VMS_PROT_W)) ==
			    (VMS_PROT_R | VMS_PROT_W))
			r->label = VMS_LABEL_HEAP;
		break;
	}
}

/*
 * vmmap's share mode from what is known: MAP_SHARED is SHM; nothing
 * resident or swapped is NUL; pages also mapped elsewhere make COW;
 * otherwise PRV.
 */
static void
label_share(struct vms_region *r)
{
	uint64_t need = VMS_HAS_CTR(VMS_C_RSS) |
			VMS_HAS_CTR(VMS_C_SHARED_CLEAN) |
			VMS_HAS_CTR(VMS_C_SHARED_DIRTY);
	uint64_t swap = 0;

	if ((r->has & VMS_HAS_SHARED) && (r->flags & VMS_RF_SHARED)) {
		r->share = VMS_SHARE_SHARED;
		return;
	}
	if ((r->has & need) != need) {
		r->share = VMS_SHARE_UNKNOWN;
		return;
	}
	if (r->has & VMS_HAS_CTR(VMS_C_SWAP))
		swap = r->counters[VMS_C_SWAP];
	if (r->counters[VMS_C_RSS] == 0 && swap == 0)
		r->share = VMS_SHARE_EMPTY;
	else if (r->counters[VMS_C_SHARED_CLEAN] +
			 r->counters[VMS_C_SHARED_DIRTY] >
		 0)
		r->share = VMS_SHARE_COW;
	else
		r->share = VMS_SHARE_PRIVATE;
}

/* What is known of one region alone; i - 1 is final when this runs. */
static void
label_region(struct vms_map *map, size_t i)
{
	struct vms_region *r = &map->regions[i];

	r->flags &= (uint8_t)~VMS_RF_FAULT;
	label_by_name(r);
	label_share(r);
	if (r->label == VMS_LABEL_STACK)
		label_guard(map, i);
}

/*
 * A reader that produces regions in address order calls this as it goes,
 * so that each region is labelled while it is still in the cache instead
 * of in a later pass over what may be 20 MB.  Order is checked on the
 * way: at the first region out of place, labelling stops and
 * vms_map_finish() sorts and labels everything.
 */
void
vms_map_label_upto(struct vms_map *map, size_t n)
{
	struct vms_label_state *st = vms_map_label_state(map);

	if (n < st->n || n == 0) {
		st->n = 0;
		st->kernel_names = 0;
		st->broken = 0;
	}
	if (st->broken || n > map->nregions)
		return;
	for (size_t i = st->n; i < n; i++) {
		const struct vms_region *r = &map->regions[i];

		if (r->end <= r->start ||
		    (i > 0 && r[-1].end > r->start)) {
			st->broken = 1;
			return;
		}
		st->kernel_names |= r->name != NULL;
		label_region(map, i);
		st->n = i + 1;
	}
}

/* Labels that need the whole map: thread stacks, layout, the fault. */
static int
label_whole(struct vms_map *map, int kernel_names)
{
	label_stacks(map);
	/* A source that names nothing (a dump): name by layout. */
	if (!kernel_names)
		label_by_layout(map);
	if (map->proc.has & VMS_P_FAULT_ADDR) {
		const struct vms_region *f =
			vms_map_find(map, map->proc.fault_addr);

		if (f != NULL)
			map->regions[f - map->regions].flags |= VMS_RF_FAULT;
	}
	return 0;
}

int
vms_map_label_rest(struct vms_map *map, size_t from, struct vms_err *err)
{
	struct vms_label_state *st = vms_map_label_state(map);
	int kernel_names = from > 0 && st->kernel_names;

	(void)err;
	for (size_t i = from; i < map->nregions; i++) {
		kernel_names |= map->regions[i].name != NULL;
		label_region(map, i);
	}
	/* Done: a later vms_map_finish() starts afresh. */
	st->n = 0;
	st->kernel_names = 0;
	st->broken = 0;
	return label_whole(map, kernel_names);
}

int
vms_map_label(struct vms_map *map, struct vms_err *err)
{
	return vms_map_label_rest(map, 0, err);
}
