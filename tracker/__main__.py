from tracker.quick import main

if __name__ == "__main__":
    main()
