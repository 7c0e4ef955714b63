NAME parcels
OBJSENSE
    MIN
ROWS
 N obj
 L r0
 E r1
 L r2
 E r3
 E r4
 E r5
 L r6
 L r7
 L r8
 L r9
 L r10
 L r11
 E r12
 E r13
 L r14
 L r15
 L r16
 L r17
 L r18
 L r19
 L r20
 L r21
 L r22
 L r23
 L r24
 L r25
 E r26
 L r27
 L r28
 L r29
 L r30
 L r31
 L r32
 L r33
 L r34
 L r35
 L r36
 L r37
 L r38
 L r39
 G r40
 G r41
 E r42
 E r43
 G r44
 G r45
 G r46
 G r47
 G r48
 G r49
 L r50
 L r51
COLUMNS
    MARKER 'MARKER' 'INTORG'
    x0 r0 1.0
    x0 r28 2.0
    x0 r31 1.0
    x0 r44 0.0
    x1 r0 1.0
    x1 r34 1.0
    x1 r44 0.0
    x2 r0 1.0
    x2 r37 1.0
    x2 r44 0.0
    x3 r1 1.0
    x3 r28 55.0
    x3 r31 1.0
    x3 r44 3.0
    x4 r1 1.0
    x4 r29 55.0
    x4 r33 1.0
    x4 r44 3.0
    x5 r1 1.0
    x5 r37 1.0
    x5 r44 3.0
    x6 r2 1.0
    x6 r30 55.0
    x6 r38 1.0
    x6 r40 55.0
    x6 r44 1.0
    x7 r3 1.0
    x7 r29 10.0
    x7 r33 1.0
    x7 r44 2.0
    x8 r3 1.0
    x8 r37 1.0
    x8 r44 2.0
    x9 r4 1.0
    x9 r28 55.0
    x9 r31 1.0
    x9 r44 1.0
    x10 r4 1.0
    x10 r37 1.0
    x10 r44 1.0
    x11 r5 1.0
    x11 r28 55.0
    x11 r31 1.0
    x11 r44 1.0
    x12 r5 1.0
    x12 r29 55.0
    x12 r33 1.0
    x12 r44 1.0
    x13 r5 1.0
    x13 r37 1.0
    x13 r44 1.0
    x14 r6 1.0
    x14 r39 1.0
    x14 r42 1.0
    x14 r44 2.0
    x14 r50 1.0
    x15 r7 1.0
    x15 r30 10.0
    x15 r38 1.0
    x15 r40 10.0
    x15 r44 1.0
    x16 r8 1.0
    x16 r37 1.0
    x16 r44 5.0
    x17 r9 1.0
    x17 r36 1.0
    x17 r41 1.0
    x17 r44 1.0
    x18 r10 1.0
    x18 r30 55.0
    x18 r38 1.0
    x18 r40 55.0
    x18 r44 1.0
    x19 r11 1.0
    x19 r28 0.0
    x19 r31 1.0
    x19 r44 5.0
    x20 r12 1.0
    x20 r30 0.0
    x20 r38 1.0
    x20 r40 0.0
    x20 r44 1.0
    x21 r13 1.0
    x21 r28 0.0
    x21 r31 1.0
    x21 r44 3.0
    x22 r13 1.0
    x22 r29 0.0
    x22 r33 1.0
    x22 r44 3.0
    x23 r13 1.0
    x23 r37 1.0
    x23 r44 3.0
    x24 r14 1.0
    x24 r29 0.0
    x24 r33 1.0
    x24 r44 0.0
    x25 r14 1.0
    x25 r37 1.0
    x25 r44 0.0
    x26 r15 1.0
    x26 r30 55.0
    x26 r38 1.0
    x26 r40 55.0
    x26 r44 1.0
    x27 r16 1.0
    x27 r37 1.0
    x27 r44 1.0
    x28 r17 1.0
    x28 r39 1.0
    x28 r42 1.0
    x28 r44 5.0
    x28 r50 1.0
    x29 r18 1.0
    x29 r32 1.0
    x29 r43 1.0
    x29 r44 1.0
    x29 r51 1.0
    x30 r18 1.0
    x30 r39 1.0
    x30 r42 1.0
    x30 r44 1.0
    x30 r50 1.0
    x31 r19 1.0
    x31 r37 1.0
    x31 r44 3.0
    x32 r20 1.0
    x32 r28 2.0
    x32 r31 1.0
    x32 r44 3.0
    x33 r21 1.0
    x33 r32 1.0
    x33 r43 1.0
    x33 r44 2.0
    x33 r51 1.0
    x34 r22 1.0
    x34 r37 1.0
    x34 r44 1.0
    x35 r23 1.0
    x35 r32 1.0
    x35 r43 1.0
    x35 r44 2.0
    x35 r51 1.0
    x36 r23 1.0
    x36 r35 1.0
    x36 r43 1.0
    x36 r44 2.0
    x37 r23 1.0
    x37 r39 1.0
    x37 r42 1.0
    x37 r44 2.0
    x37 r50 1.0
    x38 r24 1.0
    x38 r37 1.0
    x38 r44 5.0
    x39 r25 1.0
    x39 r28 2.0
    x39 r31 1.0
    x39 r44 5.0
    x40 r26 1.0
    x40 r32 1.0
    x40 r43 1.0
    x40 r44 3.0
    x40 r51 1.0
    x41 r26 1.0
    x41 r35 1.0
    x41 r43 1.0
    x41 r44 3.0
    x42 r26 1.0
    x42 r39 1.0
    x42 r42 1.0
    x42 r44 3.0
    x42 r50 1.0
    x43 r27 1.0
    x43 r34 1.0
    x43 r44 0.0
    x44 r28 -100.0
    x44 r31 -8.0
    x44 r45 1.0
    x44 r47 1.0
    x45 r32 -4.0
    x45 r48 1.0
    x45 r51 -2.0
    x46 r29 -100.0
    x46 r33 -5.0
    x46 r45 1.0
    x46 r46 1.0
    x47 obj 6100.0
    x47 r34 -2.0
    x48 obj 1000.0
    x48 r35 -2.0
    x48 r48 1.0
    x49 obj 2505.0
    x49 r36 -1.0
    x50 obj 1000.0
    x50 r37 -12.0
    x50 r45 1.0
    x50 r46 1.0
    x50 r47 1.0
    x51 obj 380.0
    x51 r30 -100.0
    x51 r38 -5.0
    x51 r49 1.0
    x52 r39 -5.0
    x52 r48 1.0
    x52 r50 -2.0
    x53 obj 10370.0
    x54 obj 2505.0
    MARKER 'MARKER' 'INTEND'
RHS
    rhs r0 1.0
    rhs r1 1.0
    rhs r2 1.0
    rhs r3 1.0
    rhs r4 1.0
    rhs r5 1.0
    rhs r6 1.0
    rhs r7 1.0
    rhs r8 1.0
    rhs r9 1.0
    rhs r10 1.0
    rhs r11 1.0
    rhs r12 1.0
    rhs r13 1.0
    rhs r14 1.0
    rhs r15 1.0
    rhs r16 1.0
    rhs r17 1.0
    rhs r18 1.0
    rhs r19 1.0
    rhs r20 1.0
    rhs r21 1.0
    rhs r22 1.0
    rhs r23 1.0
    rhs r24 1.0
    rhs r25 1.0
    rhs r26 1.0
    rhs r27 1.0
    rhs r40 65.0
    rhs r41 1.0
    rhs r42 2.0
    rhs r43 2.0
    rhs r44 54.0
    rhs r45 1.0
    rhs r46 1.0
    rhs r47 1.0
    rhs r48 1.0
    rhs r49 1.0
RANGES
    rng r0 1.0
    rng r2 1.0
    rng r6 1.0
    rng r7 1.0
    rng r8 1.0
    rng r9 1.0
    rng r10 1.0
    rng r11 1.0
    rng r14 1.0
    rng r15 1.0
    rng r16 1.0
    rng r17 1.0
    rng r18 1.0
    rng r19 1.0
    rng r20 1.0
    rng r21 1.0
    rng r22 1.0
    rng r23 1.0
    rng r24 1.0
    rng r25 1.0
    rng r27 1.0
BOUNDS
 LO bnd x0 0.0
 UP bnd x0 1.0
 LO bnd x1 0.0
 UP bnd x1 1.0
 LO bnd x2 0.0
 UP bnd x2 1.0
 LO bnd x3 0.0
 UP bnd x3 1.0
 LO bnd x4 0.0
 UP bnd x4 1.0
 LO bnd x5 0.0
 UP bnd x5 1.0
 LO bnd x6 0.0
 UP bnd x6 1.0
 LO bnd x7 0.0
 UP bnd x7 1.0
 LO bnd x8 0.0
 UP bnd x8 1.0
 LO bnd x9 0.0
 UP bnd x9 1.0
 LO bnd x10 0.0
 UP bnd x10 1.0
 LO bnd x11 0.0
 UP bnd x11 1.0
 LO bnd x12 0.0
 UP bnd x12 1.0
 LO bnd x13 0.0
 UP bnd x13 1.0
 LO bnd x14 0.0
 UP bnd x14 1.0
 LO bnd x15 0.0
 UP bnd x15 1.0
 LO bnd x16 1.0
 UP bnd x16 1.0
 LO bnd x17 0.0
 UP bnd x17 1.0
 LO bnd x18 0.0
 UP bnd x18 1.0
 LO bnd x19 1.0
 UP bnd x19 1.0
 LO bnd x20 0.0
 UP bnd x20 1.0
 LO bnd x21 0.0
 UP bnd x21 1.0
 LO bnd x22 0.0
 UP bnd x22 1.0
 LO bnd x23 0.0
 UP bnd x23 1.0
 LO bnd x24 0.0
 UP bnd x24 1.0
 LO bnd x25 0.0
 UP bnd x25 1.0
 LO bnd x26 0.0
 UP bnd x26 1.0
 LO bnd x27 1.0
 UP bnd x27 1.0
 LO bnd x28 1.0
 UP bnd x28 1.0
 LO bnd x29 0.0
 UP bnd x29 1.0
 LO bnd x30 0.0
 UP bnd x30 1.0
 LO bnd x31 1.0
 UP bnd x31 1.0
 LO bnd x32 1.0
 UP bnd x32 1.0
 LO bnd x33 0.0
 UP bnd x33 1.0
 LO bnd x34 1.0
 UP bnd x34 1.0
 LO bnd x35 0.0
 UP bnd x35 1.0
 LO bnd x36 0.0
 UP bnd x36 1.0
 LO bnd x37 0.0
 UP bnd x37 1.0
 LO bnd x38 1.0
 UP bnd x38 1.0
 LO bnd x39 1.0
 UP bnd x39 1.0
 LO bnd x40 0.0
 UP bnd x40 1.0
 LO bnd x41 0.0
 UP bnd x41 1.0
 LO bnd x42 0.0
 UP bnd x42 1.0
 LO bnd x43 0.0
 UP bnd x43 1.0
 LO bnd x44 1.0
 UP bnd x44 1.0
 LO bnd x45 0.0
 UP bnd x45 1.0
 LO bnd x46 0.0
 UP bnd x46 1.0
 LO bnd x47 0.0
 UP bnd x47 1.0
 LO bnd x48 0.0
 UP bnd x48 1.0
 LO bnd x49 0.0
 UP bnd x49 1.0
 LO bnd x50 1.0
 UP bnd x50 1.0
 LO bnd x51 0.0
 UP bnd x51 1.0
 LO bnd x52 1.0
 UP bnd x52 1.0
 LO bnd x53 0.0
 UP bnd x53 1.0
 LO bnd x54 0.0
 UP bnd x54 1.0
ENDATA
